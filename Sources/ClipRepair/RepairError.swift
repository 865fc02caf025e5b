import MP4

/// Why a clip cannot be repaired, in words an owner can act on.
public enum RepairError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The clip is not an MP4 at all (encrypted by firmware 2026.20+, or not a clip).
    case notMP4(reason: String)
    /// The clip already has its `moov`: it plays as it is.
    case notTruncated
    /// No `mdat` header: the car was cut before writing any frame.
    case noMediaData
    /// The `mdat` holds no whole frame that the reference's codec settings can describe.
    case noFrames(reason: String)
    /// The reference clip cannot lend its codec settings and timing.
    case badReference(reason: String)
    /// The repaired file would need a layout this code does not write (an mdat past 4 GiB with an 8-byte header).
    case tooLarge(reason: String)

    public var description: String {
        switch self {
        case let .notMP4(reason): "cannot repair: \(reason)"
        case .notTruncated: "the clip is complete (it has its moov): it plays as it is, nothing to repair"
        case .noMediaData: "cannot repair: no mdat box, the recording was cut before its first frame was written"
        case let .noFrames(reason): "cannot repair: no whole frame found in mdat (\(reason))"
        case let .badReference(reason):
            "the reference clip cannot be used: \(reason); give a complete clip of the same camera with --reference"
        case let .tooLarge(reason): "cannot repair: \(reason)"
        }
    }
}
