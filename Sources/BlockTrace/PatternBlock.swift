/// A self-describing 512-byte block of pseudo-random content: an 8-byte magic, a seed and an index, then bytes
/// derived from them.
///
/// Writers that build test volumes (the simulated car, mtools sessions) fill files with pattern blocks, so their
/// content is as incompressible as video, yet a trace stores each block as its header alone (or a whole run of
/// consecutive blocks as one record): fixtures stay small while replays stay byte-exact.
public struct PatternBlock: Equatable, Sendable {
    public static let size = 512
    public static let magic: [UInt8] = Array("TCBLOCK1".utf8)

    public var seed: UInt64
    public var index: UInt64

    public init(seed: UInt64, index: UInt64) {
        self.seed = seed
        self.index = index
    }

    /// The block's 512 bytes.
    public func bytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        out.withUnsafeMutableBytes { write(into: $0) }
        return out
    }

    /// Writes the block's bytes into `buffer` (which holds at least 512 bytes).
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        for (i, byte) in Self.magic.enumerated() { buffer[i] = byte }
        buffer.storeBytes(of: seed.littleEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: index.littleEndian, toByteOffset: 16, as: UInt64.self)
        var rng = SplitMix64(seed: seed ^ (index &* 0xD6E8_FEB8_6659_FD93))
        var offset = 24
        while offset < Self.size {
            buffer.storeBytes(of: rng.next().littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
    }

    /// Recognises a pattern block in the first 512 bytes of `buffer`.
    public static func recognise(_ buffer: UnsafeRawBufferPointer) -> PatternBlock? {
        guard buffer.count >= size else { return nil }
        for (i, byte) in magic.enumerated() where buffer[i] != byte { return nil }
        let block = PatternBlock(seed: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                                 index: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        // The header alone is not proof: the rest must match too, or replay would not be byte-exact.
        var expected = [UInt8](repeating: 0, count: size)
        expected.withUnsafeMutableBytes { block.write(into: $0) }
        return expected.withUnsafeBytes { memcmp($0.baseAddress!, buffer.baseAddress!, size) == 0 } ? block : nil
    }

    /// `count` bytes of a pattern file with `seed`, starting at byte `offset` of that file.
    public static func fileBytes(seed: UInt64, offset: UInt64, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var block = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < count {
            let position = offset + UInt64(done)
            let index = position / UInt64(size), inBlock = Int(position % UInt64(size))
            block.withUnsafeMutableBytes { PatternBlock(seed: seed, index: index).write(into: $0) }
            let n = min(size - inBlock, count - done)
            out.replaceSubrange(done..<done + n, with: block[inBlock..<inBlock + n])
            done += n
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
