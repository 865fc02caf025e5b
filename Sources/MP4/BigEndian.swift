/// Bounds-checked big-endian reads: garbage input must yield nil, never a trap.
extension Array where Element == UInt8 {
    /// The `count`-byte big-endian unsigned integer at `offset`, or nil if it does not fit in the array.
    func bigEndian(at offset: Int, count: Int) -> UInt64? {
        guard offset >= 0, count >= 0, count <= 8, offset <= self.count - count else { return nil }
        var value: UInt64 = 0
        for index in offset..<(offset + count) {
            value = value << 8 | UInt64(self[index])
        }
        return value
    }

    func uint16(at offset: Int) -> UInt16? { bigEndian(at: offset, count: 2).map { UInt16($0) } }
    func uint32(at offset: Int) -> UInt32? { bigEndian(at: offset, count: 4).map { UInt32($0) } }
    func uint64(at offset: Int) -> UInt64? { bigEndian(at: offset, count: 8) }
}
