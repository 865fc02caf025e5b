import MP4

/// Why a clip's telemetry cannot be read. Descriptions say what the clip is and what to do.
public enum TelemetryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file is not an MP4: encrypted (firmware 2026.20+), empty or not a clip.
    case notMP4(reason: String)
    /// No usable `moov`: the clip is unfinished or was cut by a power cut.
    case noMovieIndex(MP4Error)
    /// The `moov` has no video track, or its sample tables cannot be walked.
    case badSampleTable(MP4Error)
    /// The video is not H.264; Tesla's SEI telemetry is defined for `avc1` only.
    case notH264(codec: String)
    /// A Tesla SEI payload whose protobuf does not parse (counted per clip, not thrown by the reader).
    case undecodableMetadata(reason: String)

    public var description: String {
        switch self {
        case let .notMP4(reason):
            "no telemetry: \(reason)"
        case let .noMovieIndex(problem):
            "no telemetry can be located without the movie index: \(problem)"
        case let .badSampleTable(problem):
            "the video's sample table cannot be read: \(problem)"
        case let .notH264(codec):
            "the video is '\(codec)', not H.264 ('avc1'); Tesla embeds SEI telemetry only in H.264 clips"
        case let .undecodableMetadata(reason):
            "an SEI payload with Tesla's 0x42...0x69 marker is not a valid SeiMetadata protobuf: \(reason)"
        }
    }
}
