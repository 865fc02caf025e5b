/// Everything that can be wrong with the bytes of an MP4 file.
///
/// Descriptions name the box and offset involved and what it most likely means for a dashcam clip.
public enum MP4Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// The read closure returned fewer bytes than asked for inside the declared file length.
    case shortRead(offset: UInt64, requested: Int, got: Int)
    /// Fewer bytes remain than a box header needs (8, or 16 with a 64-bit size).
    case headerTooShort(offset: UInt64, needed: Int, available: UInt64)
    /// A box declares a size smaller than its own header: garbage, and scanning cannot advance.
    case sizeSmallerThanHeader(type: FourCC, offset: UInt64, size: UInt64, headerLength: Int)
    /// A box declares more bytes than its container (or the file) holds.
    case truncatedBox(type: FourCC, offset: UInt64, size: UInt64, available: UInt64)
    /// More boxes than any sane file has at one level: almost certainly garbage.
    case tooManyBoxes(offset: UInt64, limit: Int)
    /// The file does not start with an `ftyp` box.
    case notISOBMFF(reason: String)
    /// A box the file needs is absent; `path` is slash-separated from the top level (`moov/mvhd`).
    case missingBox(path: String)
    /// A box larger than we are willing to load into memory.
    case boxTooLarge(type: FourCC, size: UInt64, limit: UInt64)
    /// A box whose content does not follow its specification.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .shortRead(offset, requested, got):
            return "read of \(requested) bytes at offset \(offset) returned only \(got); "
                + "the file shrank while being read or the reader is broken"
        case let .headerTooShort(offset, needed, available):
            return "box header at offset \(offset) needs \(needed) bytes, only \(available) remain; "
                + "the file was cut mid-header (still being written?)"
        case let .sizeSmallerThanHeader(type, offset, size, headerLength):
            return "box '\(type)' at offset \(offset) declares size \(size), smaller than its "
                + "\(headerLength)-byte header; these bytes are not a box (corrupt or not MP4)"
        case let .truncatedBox(type, offset, size, available):
            return "box '\(type)' at offset \(offset) declares \(size) bytes but only \(available) remain; "
                + "the file is truncated (recording interrupted or still in progress)"
        case let .tooManyBoxes(offset, limit):
            return "more than \(limit) boxes before offset \(offset), far more than a real file has; "
                + "treating the rest as garbage"
        case let .notISOBMFF(reason):
            return "not an MP4 file: \(reason) (Tesla firmware 2026.20+ may write an encrypted container)"
        case let .missingBox(path):
            return "no '\(path)' box" + (path == "moov"
                ? "; the movie index is written last, so the recording is unfinished or was interrupted"
                : "")
        case let .boxTooLarge(type, size, limit):
            return "box '\(type)' is \(size) bytes, more than the \(limit)-byte limit for parsing in memory"
        case let .malformed(path, reason):
            return "box '\(path)' is malformed: \(reason)"
        }
    }
}
