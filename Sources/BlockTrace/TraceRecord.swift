/// Which layout and identity a traced volume was formatted with, so a replay formats the very same bytes.
public struct TraceHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("TCTRACE1".utf8)
    public static let size = 32

    public var diskBytes: UInt64
    /// 0 = MBR, 1 = superfloppy.
    public var layout: UInt8
    public var volumeID: UInt32
    /// Seconds since 1970 of the format, which stamps the root directory's entries.
    public var formattedAt: Int64

    public init(diskBytes: UInt64, layout: UInt8, volumeID: UInt32, formattedAt: Int64) {
        self.diskBytes = diskBytes
        self.layout = layout
        self.volumeID = volumeID
        self.formattedAt = formattedAt
    }
}

/// One operation the volume saw.
public enum TraceRecord: Equatable, Sendable {
    case write(offset: UInt64, data: [UInt8])
    case read(offset: UInt64, length: UInt32)
    case flush

    var kind: UInt8 {
        switch self {
        case .write: return 1
        case .read: return 2
        case .flush: return 3
        }
    }
}

/// Why a trace cannot be read.
public enum TraceError: Error, Equatable, CustomStringConvertible {
    case notATrace
    case truncated(at: Int)
    case unknownRecord(kind: UInt8, at: Int)
    case unknownSegment(kind: UInt8, at: Int)
    case lengthMismatch(at: Int)

    public var description: String {
        switch self {
        case .notATrace: return "not a TeslaCam block trace (no TCTRACE1 header)"
        case let .truncated(at): return "the trace ends in the middle of a record at byte \(at); it was cut short"
        case let .unknownRecord(kind, at): return "unknown record kind \(kind) at byte \(at): a newer or damaged trace"
        case let .unknownSegment(kind, at): return "unknown data segment kind \(kind) at byte \(at): a damaged trace"
        case let .lengthMismatch(at): return "a write's segments do not add up to its length at byte \(at)"
        }
    }
}
