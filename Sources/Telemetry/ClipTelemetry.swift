/// All the telemetry one clip carries, frames in display order, and what was found that could not be used.
public struct ClipTelemetry: Hashable, Sendable {
    /// Frames that carried a Tesla `SeiMetadata`, in display order.
    public var frames: [TelemetryFrame]
    /// Samples in the video track (frames with and without telemetry).
    public var videoFrames: Int
    /// The video track's units per second.
    public var timescale: UInt32
    /// The `mvhd` creation time (Unix seconds, UTC), nil when the box leaves it unset.
    public var recordedAt: Int64?
    /// SEI payloads with Tesla's marker whose protobuf did not parse.
    public var undecodable: Int
    /// SEI NAL units larger than `TelemetryReader.maximumSEISize`, skipped unread.
    public var oversized: Int
    /// True when decoding stopped at `TelemetryReader`'s frame limit (only a hostile file reaches it).
    public var frameLimitReached: Bool

    public init(
        frames: [TelemetryFrame], videoFrames: Int, timescale: UInt32, recordedAt: Int64?, undecodable: Int = 0,
        oversized: Int = 0, frameLimitReached: Bool = false
    ) {
        self.frames = frames
        self.videoFrames = videoFrames
        self.timescale = timescale
        self.recordedAt = recordedAt
        self.undecodable = undecodable
        self.oversized = oversized
        self.frameLimitReached = frameLimitReached
    }

    /// True when at least one frame carried telemetry.
    public var hasTelemetry: Bool { !frames.isEmpty }

    /// What was left out of the frames, in words for an owner; nil when nothing was.
    public var limitNote: String? {
        var notes: [String] = []
        if frameLimitReached {
            notes.append("decoding stopped after \(frames.count) frames with telemetry: the file is too small to "
                + "honestly hold more (its sample table or its frames are damaged or hostile), so the rest is left out "
                + "rather than held in memory")
        }
        if oversized > 0 {
            notes.append("\(oversized) SEI units larger than \(TelemetryReader.maximumSEISize >> 10) KiB were skipped "
                + "unread (Tesla's are ~100 bytes)")
        }
        if undecodable > 0, !frames.isEmpty {
            notes.append("\(undecodable) SEI payloads with Tesla's marker did not decode as SeiMetadata")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Why there are no frames, in words for an owner; nil when there are some.
    public var absence: String? {
        guard frames.isEmpty else { return nil }
        if undecodable > 0 {
            return "\(undecodable) SEI payloads carry Tesla's marker but none decodes as SeiMetadata "
                + "(a firmware with a different message, or a damaged clip)"
        }
        return "no SEI telemetry in its \(videoFrames) video frames: the car writes none while parked or in "
            + "Sentry mode, before firmware 2025.44.25, or on hardware older than HW3"
    }
}
