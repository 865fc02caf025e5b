import Crypto

/// A SHA-256 fed in pieces (a stored object read back).
struct DigestAccumulator {
    private var hash = SHA256()
    mutating func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }
    func finalize() -> [UInt8] { Array(hash.finalize()) }
}
