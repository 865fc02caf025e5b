import Foundation
import Glibc
import Outbound

/// Copies files into a folder: a NAS mount or a local disk. Each file is written under a temporary name, synced,
/// renamed into place and its directory synced; then it is read back and checked by size and sha256.
/// Alerts are appended to `teslacam-alerts.jsonl` at the prefix.
public struct FolderSink: Sink {
    public let name: String
    public var type: String { "folder" }
    /// The folder (it must exist: a missing one is a NAS not mounted yet, which is worth waiting for).
    public let root: String
    public let prefix: String

    public init(name: String, root: String, prefix: String = "") {
        self.name = name
        self.root = root
        self.prefix = prefix
    }

    static let partialSuffix = ".teslacam-partial"

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        try checkRoot()
        switch record.content {
        case let .file(_, source, remoteName, sha256, size):
            try copy(source: source, to: root + "/" + remoteName, sha256: sha256, size: size, transfer: transfer)
        case let .message(text):
            let path = root + "/" + RemoteName.of(archivePath: "teslacam-alerts.jsonl", prefix: prefix)
            try makeParents(of: path)
            try append(Array((text + "\n").utf8), to: path)
            transfer.record(sent: text.utf8.count + 1)
        }
    }

    public func check() throws(SinkError) {
        try checkRoot()
        let path = root + "/" + RemoteName.of(archivePath: ".teslacam-test-\(getpid())", prefix: prefix)
        try makeParents(of: path)
        let probe = Array("teslacam sinks test\n".utf8)
        try write(probe, to: path)
        defer { unlink(path) }
        guard try FileDigest.digest(of: path)?.size == Int64(probe.count) else {
            throw .permanent("wrote a test file to \(path) but could not read it back the same")
        }
    }

    private func checkRoot() throws(SinkError) {
        var info = stat()
        guard stat(root, &info) == 0 else {
            let code = errno
            if code == EACCES { throw .permanent("the folder \(root) cannot be searched: permission denied") }
            throw .transient("the folder \(root) is not there (\(String(cString: strerror(code)))): is the NAS mounted?")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .permanent("\(root) is not a folder") }
    }

    private func copy(source: String, to destination: String, sha256: String, size: Int64,
                      transfer: Transfer) throws(SinkError) {
        // Delivered before (the daemon died before it could acknowledge): verify, do not copy again.
        if let existing = try FileDigest.digest(of: destination), existing.size == size, existing.sha256 == sha256 {
            return
        }
        try makeParents(of: destination)
        let input = try FileDigest.openForReading(source)
        defer { close(input) }
        let temporary = destination + Self.partialSuffix
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard output >= 0 else { throw Self.failure("cannot create \(temporary)", errno) }
        var keep = false
        defer {
            close(output)
            if !keep { unlink(temporary) }
        }
        let sent = try FileDigest.read(fd: input, path: source) { (piece: UnsafeRawBufferPointer) throws(SinkError) in
            try transfer.pace(piece.count)
            var done = 0
            while done < piece.count {
                let n = Glibc.write(output, piece.baseAddress! + done, piece.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("cannot write \(temporary)", errno)
                }
                done += n
            }
        }
        guard sent.size == size, sent.sha256 == sha256 else {
            throw .transient("\(source) changed while it was copied (the car rewrote it); it goes again once complete")
        }
        guard fsync(output) == 0 else { throw Self.failure("cannot sync \(temporary)", errno) }
        guard rename(temporary, destination) == 0 else { throw Self.failure("cannot rename into \(destination)", errno) }
        keep = true
        try syncDirectory(of: destination)
        guard let copied = try FileDigest.digest(of: destination), copied.size == size, copied.sha256 == sha256 else {
            throw .transient("the copy at \(destination) does not read back the same (size or sha256 differ)")
        }
    }

    /// Creates the folders above `path` below the root, one by one, so a failure has its errno.
    private func makeParents(of path: String) throws(SinkError) {
        let parent = (path as NSString).deletingLastPathComponent
        guard parent.hasPrefix(root) else { return }
        var current = root
        for component in parent.dropFirst(root.count).split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw Self.failure("cannot create the folder \(current)", errno)
            }
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws(SinkError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure("cannot create \(path)", errno) }
        defer { close(fd) }
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw Self.failure("cannot write \(path)", errno)
        }
    }

    private func append(_ bytes: [UInt8], to path: String) throws(SinkError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure("cannot open \(path)", errno) }
        defer { close(fd) }
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw Self.failure("cannot append to \(path)", errno)
        }
    }

    private func syncDirectory(of path: String) throws(SinkError) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open \(directory)", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Self.failure("cannot sync \(directory)", errno) }
    }

    /// Permission and read-only problems need the owner; a full disk or an I/O error may pass.
    static func failure(_ what: String, _ code: Int32) -> SinkError {
        let words = "\(what): \(String(cString: strerror(code)))"
        switch code {
        case EACCES, EPERM, EROFS: return .permanent(words)
        case ENOSPC, EDQUOT: return .transient(words + " (the destination is full)")
        default: return .transient(words)
        }
    }
}
