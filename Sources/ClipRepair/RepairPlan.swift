/// The repaired file, as pieces to write in order: new bytes (header, index) and ranges copied verbatim from the
/// truncated clip (its frames). The truncated clip itself is never written.
public struct RepairPlan: Sendable {
    public enum Piece: Hashable, Sendable {
        case bytes([UInt8])
        case copy(offset: UInt64, count: UInt64)

        public var count: UInt64 {
            switch self {
            case let .bytes(bytes): UInt64(bytes.count)
            case let .copy(_, count): count
            }
        }
    }

    /// How the frames' presentation order was found.
    public enum Ordering: String, Hashable, Sendable {
        /// From the car's frame counter in each frame's SEI telemetry.
        case telemetry
        /// From the reference clip's composition offsets, frame by frame (the encoder's fixed GOP pattern).
        case reference
        /// No reordering (a stream without B-frames).
        case decode
    }

    public let pieces: [Piece]
    /// Whole frames recovered.
    public let frames: Int
    public let keyframes: Int
    public let ordering: Ordering
    /// Seconds of video recovered.
    public let duration: Double
    /// Bytes of the truncated clip after its last whole frame (a frame cut mid-write, or unwritten clusters).
    public let discardedBytes: UInt64
    /// What stopped the scan of the `mdat`.
    public let stop: AccessUnitScan.Stop
    /// Damaged stretches (never-written clusters) skipped, resuming at the next key frame with telemetry; their
    /// bytes stay in the copy's mdat, unreferenced.
    public let gaps: Int

    public var size: UInt64 { pieces.reduce(0) { $0 + $1.count } }
}
