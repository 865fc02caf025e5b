import Crypto
import SigV4

/// Dropbox's `content_hash`: the sha256 of the concatenated sha256s of each 4 MiB block of the file.
/// https://www.dropbox.com/developers/reference/content-hash
struct DropboxContentHash {
    static let blockSize = 4 << 20
    private var blocks: [UInt8] = []
    private var current = SHA256()
    private var inBlock = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = min(rest.count, Self.blockSize - inBlock)
            current.update(bufferPointer: UnsafeRawBufferPointer(rebasing: rest.prefix(n)))
            inBlock += n
            rest = rest.dropFirst(n)
            if inBlock == Self.blockSize { closeBlock() }
        }
    }

    private mutating func closeBlock() {
        blocks += Array(current.finalize())
        current = SHA256()
        inBlock = 0
    }

    var hex: String {
        var copy = self
        if copy.inBlock > 0 { copy.closeBlock() }
        return SigV4Encoding.hex(SHA256.hash(data: copy.blocks))
    }
}
