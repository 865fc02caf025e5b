/// What a dashcam clip file is, whether it is finished, and its metadata when readable.
public struct ClipAnalysis: Hashable, Sendable {
    /// What the file's bytes are.
    public enum Kind: Hashable, Sendable {
        /// Zero bytes: created but nothing written yet.
        case empty
        /// An ISO BMFF file: it starts with a well-formed `ftyp` box.
        case mp4
        /// Anything else. Tesla firmware 2026.20+ may write clips as a container of AES-encrypted pages
        /// behind its own header, which we cannot parse; garbage and unwritten (zeroed) files land here too.
        case opaque
    }

    /// Whether the file is a finished, self-consistent MP4.
    public enum Completeness: Hashable, Sendable {
        /// `ftyp` first, `mdat` and `moov` present, top-level boxes tile the file exactly, `moov` has an `mvhd`.
        case complete
        /// Anything short of that, with the first reason found (e.g. `.missingBox("moov")` while recording).
        case incomplete(MP4Error)
    }

    /// What the bytes are.
    public let kind: Kind
    /// Whether the file is finished.
    public let completeness: Completeness
    /// The `ftyp` major brand (e.g. `mp42`), for `.mp4` files.
    public let majorBrand: FourCC?
    /// The top-level scan (empty for non-MP4 files), including a truncated last box if any.
    public let scan: BoxScan
    /// `moov` metadata, when a `moov` was present and parsed.
    public let movie: MovieInfo?

    /// Creates an analysis.
    public init(kind: Kind, completeness: Completeness, majorBrand: FourCC?, scan: BoxScan, movie: MovieInfo?) {
        self.kind = kind
        self.completeness = completeness
        self.majorBrand = majorBrand
        self.scan = scan
        self.movie = movie
    }

    /// True when `completeness` is `.complete`.
    public var isComplete: Bool { completeness == .complete }
}
