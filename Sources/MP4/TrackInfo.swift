/// What a clip's consumers need to know about one `trak`.
public struct TrackInfo: Hashable, Sendable {
    /// The `hdlr` handler type (`vide`, `soun`, ...), when present.
    public var handler: FourCC?
    /// The first `stsd` sample entry type: the codec, e.g. `avc1`, `hvc1`.
    public var sampleEntry: FourCC?
    /// Frame width in pixels from a visual sample entry.
    public var width: Int?
    /// Frame height in pixels from a visual sample entry.
    public var height: Int?
    /// Whether the track's sample table has a `ctts` (composition offsets, i.e. B-frames reordering).
    public var hasCompositionOffsets: Bool

    /// Creates a track description.
    public init(
        handler: FourCC? = nil, sampleEntry: FourCC? = nil, width: Int? = nil, height: Int? = nil,
        hasCompositionOffsets: Bool = false
    ) {
        self.handler = handler
        self.sampleEntry = sampleEntry
        self.width = width
        self.height = height
        self.hasCompositionOffsets = hasCompositionOffsets
    }

    /// Sample entries laid out as a VisualSampleEntry, for files whose `hdlr` is missing.
    static let visualEntries: Set<FourCC> = [
        "avc1", "avc3", "hvc1", "hev1", "mp4v", "vp08", "vp09", "av01", "encv", "dvh1", "dvhe",
    ]

    /// True for a video track: `vide` handler, or a known visual sample entry when there is no handler.
    public var isVideo: Bool {
        if let handler { return handler == .vide }
        return sampleEntry.map(Self.visualEntries.contains) ?? false
    }
}
