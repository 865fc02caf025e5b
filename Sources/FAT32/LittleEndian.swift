// Little-endian field access for the fixed-layout structures of this module. All on-disk FAT integers are
// little-endian regardless of the host, so every structure goes through these instead of memory rebinding.

extension Array where Element == UInt8 {
    @inline(__always)
    func le16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    @inline(__always)
    func le32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }

    @inline(__always)
    mutating func putLE16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    @inline(__always)
    mutating func putLE32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    /// Copies `bytes` into `self` at `offset`.
    @inline(__always)
    mutating func put(_ bytes: some Collection<UInt8>, at offset: Int) {
        replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    /// `count` bytes starting at `offset`, as a new array.
    @inline(__always)
    func bytes(at offset: Int, count: Int) -> [UInt8] {
        Array(self[offset..<offset + count])
    }
}

/// The first `count` bytes of `bytes`, or `FAT32Error.truncated` naming `structure` when there are fewer.
@inline(__always)
func prefixBytes(
    _ bytes: some Collection<UInt8>, count: Int, structure: String
) throws(FAT32Error) -> [UInt8] {
    let prefix = Array(bytes.prefix(count))
    guard prefix.count == count else { throw .truncated(structure: structure, needed: count, got: prefix.count) }
    return prefix
}
