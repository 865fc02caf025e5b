/// Reads a trace held in memory, record by record.
public struct TraceReader: IteratorProtocol, Sequence {
    public let header: TraceHeader
    private let bytes: [UInt8]
    private var position: Int
    /// Set when iteration stopped at a damaged or truncated record.
    public private(set) var error: TraceError?

    public init(bytes: [UInt8]) throws(TraceError) {
        guard bytes.count >= TraceHeader.size, Array(bytes[0..<8]) == TraceHeader.magic else { throw .notATrace }
        self.bytes = bytes
        var cursor = Cursor(bytes: bytes, position: 8)
        let diskBytes = try cursor.u64()
        let layout = try cursor.u8()
        cursor.position += 3
        let volumeID = try cursor.u32()
        let formattedAt = Int64(bitPattern: try cursor.u64())
        header = TraceHeader(diskBytes: diskBytes, layout: layout, volumeID: volumeID, formattedAt: formattedAt)
        position = cursor.position
    }

    public mutating func next() -> TraceRecord? {
        guard error == nil, position < bytes.count else { return nil }
        var cursor = Cursor(bytes: bytes, position: position)
        do {
            let record = try cursor.record()
            position = cursor.position
            return record
        } catch {
            self.error = error
            return nil
        }
    }

    private struct Cursor {
        let bytes: [UInt8]
        var position: Int

        mutating func take(_ n: Int) throws(TraceError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - position >= n else { throw .truncated(at: position) }
            defer { position += n }
            return bytes[position..<position + n]
        }
        mutating func u8() throws(TraceError) -> UInt8 { try take(1).first! }
        mutating func u32() throws(TraceError) -> UInt32 {
            try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        mutating func u64() throws(TraceError) -> UInt64 {
            try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func record() throws(TraceError) -> TraceRecord {
            let start = position
            switch try u8() {
            case 1:
                let offset = try u64()
                let length = Int(try u32())
                var data: [UInt8] = []
                data.reserveCapacity(Swift.min(length, 1 << 24))  // never trust a length for an allocation
                while data.count < length {
                    let at = position
                    switch try u8() {
                    // Counts are checked against the write's length before anything is allocated.
                    case TraceFormat.raw:
                        let count = Int(try u32())
                        guard count <= length - data.count else { throw .lengthMismatch(at: at) }
                        data += try take(count)
                    case TraceFormat.zeros:
                        let count = Int(try u32())
                        guard count <= length - data.count else { throw .lengthMismatch(at: at) }
                        data += repeatElement(0, count: count)
                    case TraceFormat.pattern:
                        let seed = try u64(), first = try u64(), blocks = try u32()
                        guard UInt64(blocks) * UInt64(PatternBlock.size) <= UInt64(length - data.count) else {
                            throw .lengthMismatch(at: at)
                        }
                        for k in 0..<UInt64(blocks) { data += PatternBlock(seed: seed, index: first &+ k).bytes() }
                    case let kind: throw .unknownSegment(kind: kind, at: at)
                    }
                    guard data.count <= length else { throw .lengthMismatch(at: at) }
                }
                return .write(offset: offset, data: data)
            case 2:
                return .read(offset: try u64(), length: try u32())
            case 3:
                return .flush
            case let kind:
                throw .unknownRecord(kind: kind, at: start)
            }
        }
    }
}
