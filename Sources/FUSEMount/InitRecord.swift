import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's FUSE_INIT as the first process on a connection received it, saved beside the mountpoint. The
/// kernel sends INIT once per connection; a process that takes the connection over replays this one into its own
/// session so libfuse negotiates exactly what the kernel already agreed to (protocol minor, flags, max_write).
struct InitRecord: Sendable {
    let path: String

    /// A unique id no kernel request has (the kernel counts up from 2 in steps of 2): the reply libfuse sends to
    /// the replayed INIT finds no request and the kernel refuses it (ENOENT), which libfuse ignores.
    static let replayUnique: UInt64 = 0xFFFF_FFFF_FFFF_FFF0

    /// Written next to the final name, then renamed: a process killed meanwhile leaves the old record or none.
    func save(_ request: UnsafeRawBufferPointer) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let written = write(fd, request.baseAddress, request.count)
        close(fd)
        if written == request.count { rename(temporary, path) } else { unlink(temporary) }
    }

    func load() -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &bytes, bytes.count)
        guard n >= 48 else { return nil }
        bytes.removeSubrange(n...)
        let length = bytes.withUnsafeBytes { $0.load(as: UInt32.self) }
        let opcode = bytes.withUnsafeBytes { $0.load(fromByteOffset: 4, as: UInt32.self) }
        guard Int(length) == n, opcode == FUSEOpcode.initialize else { return nil }
        return bytes
    }

    func remove() { unlink(path) }

    /// Feeds the saved INIT to `session` as if the kernel had just sent it; false when there is none.
    func replay(into session: OpaquePointer) -> Bool {
        guard var bytes = load() else { return false }
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: Self.replayUnique, toByteOffset: 8, as: UInt64.self) }
        bytes.withUnsafeMutableBytes { raw in
            var buf = fuse_buf(size: raw.count, flags: fuse_buf_flags(rawValue: 0), mem: raw.baseAddress, fd: -1, pos: 0)
            fuse_session_process_buf(session, &buf)
        }
        return true
    }
}
