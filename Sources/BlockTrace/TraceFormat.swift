/// The block-trace file format (little-endian throughout):
///
/// ```
/// header  "TCTRACE1" | diskBytes u64 | layout u8 | 3 reserved | volumeID u32 | formattedAt i64
/// record  kind u8, then
///   1 write   offset u64 | length u32 | segments covering exactly `length` bytes:
///               0 raw      count u32 | bytes
///               1 zeros    count u32
///               2 pattern  seed u64 | first index u64 | blocks u32   (PatternBlock run, 512 bytes each)
///   2 read    offset u64 | length u32
///   3 flush
/// ```
/// A trace is append-only: a recorder killed mid-record leaves a truncated last record, which a reader reports.
public enum TraceFormat {
    static let raw: UInt8 = 0, zeros: UInt8 = 1, pattern: UInt8 = 2

    public static func encode(_ header: TraceHeader) -> [UInt8] {
        var out = TraceHeader.magic
        out.append(le: header.diskBytes)
        out.append(header.layout)
        out += [0, 0, 0]
        out.append(le: header.volumeID)
        out.append(le: UInt64(bitPattern: header.formattedAt))
        return out
    }

    /// Appends `record` to `out`, storing pattern blocks and zero runs compactly.
    public static func encode(_ record: TraceRecord, into out: inout [UInt8]) {
        out.append(record.kind)
        switch record {
        case let .write(offset, data):
            out.append(le: offset)
            out.append(le: UInt32(data.count))
            data.withUnsafeBytes { encodeSegments($0, into: &out) }
        case let .read(offset, length):
            out.append(le: offset)
            out.append(le: length)
        case .flush:
            break
        }
    }

    /// Appends a write record straight from a buffer (the recorder's hot path, no intermediate array).
    public static func encodeWrite(offset: UInt64, data: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(1)
        out.append(le: offset)
        out.append(le: UInt32(data.count))
        encodeSegments(data, into: &out)
    }

    private enum Segment {
        case raw(Range<Int>), zeros(Int), pattern(seed: UInt64, first: UInt64, blocks: UInt32)
    }

    private static func encodeSegments(_ data: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var segments: [Segment] = []
        func add(_ segment: Segment) {
            switch (segments.last, segment) {
            case let (.raw(a)?, .raw(b)) where a.upperBound == b.lowerBound:
                segments[segments.count - 1] = .raw(a.lowerBound..<b.upperBound)
            case let (.zeros(a)?, .zeros(b)):
                segments[segments.count - 1] = .zeros(a + b)
            case let (.pattern(seed, first, blocks)?, .pattern(seed2, first2, 1))
                where seed == seed2 && first &+ UInt64(blocks) == first2:
                segments[segments.count - 1] = .pattern(seed: seed, first: first, blocks: blocks + 1)
            default:
                segments.append(segment)
            }
        }
        var i = 0
        while i < data.count {
            let n = min(PatternBlock.size, data.count - i)
            let window = UnsafeRawBufferPointer(rebasing: data[i..<i + n])
            if n == PatternBlock.size, let block = PatternBlock.recognise(window) {
                add(.pattern(seed: block.seed, first: block.index, blocks: 1))
            } else if window.allSatisfy({ $0 == 0 }) {
                add(.zeros(n))
            } else {
                add(.raw(i..<i + n))
            }
            i += n
        }
        for segment in segments {
            switch segment {
            case let .raw(range):
                out.append(raw)
                out.append(le: UInt32(range.count))
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[range]))
            case let .zeros(count):
                out.append(zeros)
                out.append(le: UInt32(count))
            case let .pattern(seed, first, blocks):
                out.append(pattern)
                out.append(le: seed)
                out.append(le: first)
                out.append(le: blocks)
            }
        }
    }
}

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(le value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
