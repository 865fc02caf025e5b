import Crypto
import SigV4

/// A sha256 over pieces fed in order (a file read part by part).
struct IncrementalSHA256 {
    private var hasher = SHA256()
    mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }
    var hex: String { SigV4Encoding.hex(hasher.finalize()) }
}
