/// Clip metadata read from the `moov` box.
public struct MovieInfo: Hashable, Sendable {
    /// `mvhd` creation time as seconds since 1970-01-01 UTC (the box counts from 1904).
    /// Tesla writes it in UTC; 0 in the box (unset) gives the 1904 epoch, i.e. a negative value.
    public var creationTime: Int64
    /// `mvhd` time units per second.
    public var timescale: UInt32
    /// `mvhd` duration in `timescale` units; nil when the box says "unknown" (all ones).
    public var durationUnits: UInt64?
    /// Every `trak`, in file order.
    public var tracks: [TrackInfo]

    /// Creates movie metadata.
    public init(creationTime: Int64, timescale: UInt32, durationUnits: UInt64?, tracks: [TrackInfo]) {
        self.creationTime = creationTime
        self.timescale = timescale
        self.durationUnits = durationUnits
        self.tracks = tracks
    }

    /// Seconds between 1904-01-01 (the MP4 epoch) and 1970-01-01 (the Unix epoch).
    public static let secondsFrom1904To1970: Int64 = 2_082_844_800

    /// Duration in seconds; nil when unknown or the timescale is 0.
    public var duration: Double? {
        guard let durationUnits, timescale > 0 else { return nil }
        return Double(durationUnits) / Double(timescale)
    }

    /// The first video track, if any.
    public var videoTrack: TrackInfo? { tracks.first(where: \.isVideo) }
    /// The video codec: the first video track's sample entry type (e.g. `avc1`, `hvc1`).
    public var videoCodec: FourCC? { videoTrack?.sampleEntry }
    /// Video frame width in pixels.
    public var width: Int? { videoTrack?.width }
    /// Video frame height in pixels.
    public var height: Int? { videoTrack?.height }
    /// Whether any track has a `ctts` box; Chromium's player refuses Tesla's files when it does.
    public var hasCompositionOffsets: Bool { tracks.contains(where: \.hasCompositionOffsets) }
}
