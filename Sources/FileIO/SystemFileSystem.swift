import CLinux
import Glibc

/// The board's real file system: each operation one syscall.
public struct SystemFileSystem: FileSystem {
    public init() {}

    public func openFile(_ path: String, _ options: OpenOptions) throws(FileIOError) -> any PositionalFile {
        var flags = O_RDWR | O_CLOEXEC
        if options.contains(.create) { flags |= O_CREAT }
        if options.contains(.noFollow) { flags |= O_NOFOLLOW }
        let fd = open(path, flags, options.contains(.privateToOwner) ? 0o600 : 0o644)
        guard fd >= 0 else { throw FileIOError(operation: "open", path: path, code: errno) }
        return SystemFile(path: path, descriptor: fd)
    }

    public func makeDirectory(_ path: String) throws(FileIOError) {
        if mkdir(path, 0o755) != 0 { throw FileIOError(operation: "mkdir", path: path, code: errno) }
    }

    public func rename(_ from: String, to: String) throws(FileIOError) {
        if Glibc.rename(from, to) != 0 { throw FileIOError(operation: "rename to \(to)", path: from, code: errno) }
    }

    public func removeFile(_ path: String) throws(FileIOError) {
        if unlink(path) != 0 { throw FileIOError(operation: "unlink", path: path, code: errno) }
    }

    public func contentsOfDirectory(_ path: String) throws(FileIOError) -> [String] {
        guard let directory = opendir(path) else { throw FileIOError(operation: "list", path: path, code: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let kind: FileStatus.Kind = switch info.st_mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        default: .other
        }
        return FileStatus(kind: kind, size: UInt64(info.st_size))
    }

    /// Opens a directory for fsync or syncfs.
    private func withDirectory(_ path: String, _ operation: String,
                               _ body: (Int32) -> Int32) throws(FileIOError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError(operation: operation, path: path, code: errno) }
        defer { close(fd) }
        if body(fd) != 0 { throw FileIOError(operation: operation, path: path, code: errno) }
    }

    public func synchronizeDirectory(_ path: String) throws(FileIOError) {
        try withDirectory(path, "fsync") { fsync($0) }
    }

    public func synchronizeFileSystem(containing path: String) throws(FileIOError) {
        try withDirectory(path, "syncfs") { clinux_syncfs($0) }
    }
}
