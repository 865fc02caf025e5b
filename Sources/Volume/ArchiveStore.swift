import Glibc
import CLinux

/// The archive directory on the board's ext4: the reconstructed files themselves, and the storage behind the
/// volume's clusters once their owner is known.
///
/// Paths come from `ArchivePath` (no `..`, no `/` inside a component) and files are opened with `O_NOFOLLOW`, so
/// nothing the car names can make the daemon write outside this directory. Not thread-safe: the engine calls it
/// under its lock.
public final class ArchiveStore: @unchecked Sendable {
    public let root: String
    /// Open descriptors by archived-file id; an fd stays valid across a rename, which is how a move costs nothing.
    private var handles: [UInt32: Int32] = [:]
    private var useOrder: [UInt32] = []
    private static let maximumOpenFiles = 64
    /// Files written since the last `synchronize`.
    private var unsynced: Set<UInt32> = []
    /// Directories that gained or lost entries since the last `synchronize`: a new file's name must be as durable
    /// as its bytes, or a power cut loses clusters the car was told are safe.
    private var changedDirectories: Set<String> = []
    private(set) var bytesWritten: UInt64 = 0

    public init(root: String) throws(BackingStoreError) {
        self.root = root
        try Self.makeDirectories(root)
    }

    deinit { for fd in handles.values { close(fd) } }

    public func absolute(_ relative: String) -> String { root + "/" + relative }

    static func makeDirectories(_ path: String) throws(BackingStoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw BackingStoreError(operation: "mkdir", path: current, code: errno)
            }
        }
    }

    private func parent(of relative: String) -> String? {
        guard let slash = relative.lastIndex(of: "/") else { return nil }
        return String(relative[..<slash])
    }

    /// The descriptor of file `id` at `relative`, creating the file (and its directories) when missing.
    func handle(_ id: UInt32, _ relative: String) throws(BackingStoreError) -> Int32 {
        if let fd = handles[id] {
            if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
            useOrder.append(id)
            return fd
        }
        if let directory = parent(of: relative) { try Self.makeDirectories(absolute(directory)) }
        let path = absolute(relative)
        var fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 && errno == ENOENT {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            // The file's directory, and every directory above it that may be new as well.
            var directory = parent(of: relative)
            changedDirectories.insert(root)
            while let current = directory {
                changedDirectories.insert(absolute(current))
                directory = parent(of: current)
            }
        }
        guard fd >= 0 else { throw BackingStoreError(operation: "open", path: path, code: errno) }
        if handles.count >= Self.maximumOpenFiles, let oldest = useOrder.first {
            // A file about to be closed must reach the disk first: a later sync could not name it.
            if unsynced.contains(oldest), let old = handles[oldest] { fdatasync(old); unsynced.remove(oldest) }
            close(handles.removeValue(forKey: oldest)!)
            useOrder.removeFirst()
        }
        handles[id] = fd
        useOrder.append(id)
        return fd
    }

    func write(_ id: UInt32, _ relative: String, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try BackingFile.write(try handle(id, relative), path: absolute(relative), bytes, at: offset)
        bytesWritten += UInt64(bytes.count)
        unsynced.insert(id)
    }

    /// Reads; bytes past the end of the file read as zero.
    func read(_ id: UInt32, _ relative: String, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try BackingFile.read(try handle(id, relative), path: absolute(relative), into: buffer, at: offset)
    }

    func setSize(_ id: UInt32, _ relative: String, _ size: UInt64) throws(BackingStoreError) {
        let fd = try handle(id, relative)
        var info = stat()
        if fstat(fd, &info) == 0, UInt64(info.st_size) == size { return }
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw BackingStoreError(operation: "truncate", path: absolute(relative), code: errno)
        }
        unsynced.insert(id)
    }

    /// Renames a file; a different file already at the destination is moved aside (`name.1`, `name.2`, ...),
    /// because an archived clip is never overwritten.
    /// Returns where a file found at the destination was moved aside to.
    @discardableResult
    func rename(from old: String, to new: String) throws(BackingStoreError) -> String? {
        guard old != new else { return nil }
        if let directory = parent(of: new) { try Self.makeDirectories(absolute(directory)) }
        let aside = try moveAside(new)
        guard Glibc.rename(absolute(old), absolute(new)) == 0 else {
            throw BackingStoreError(operation: "rename", path: absolute(old), code: errno)
        }
        changedDirectories.insert(absolute(parent(of: old) ?? ""))
        changedDirectories.insert(absolute(parent(of: new) ?? ""))
        return aside
    }

    /// Moves whatever is at `relative` to the first free `relative.N`; returns that path, or nil if nothing was there.
    @discardableResult
    func moveAside(_ relative: String) throws(BackingStoreError) -> String? {
        guard access(absolute(relative), F_OK) == 0 else { return nil }
        var n = 1
        while access(absolute("\(relative).\(n)"), F_OK) == 0 { n += 1 }
        guard Glibc.rename(absolute(relative), absolute("\(relative).\(n)")) == 0 else {
            throw BackingStoreError(operation: "rename", path: absolute(relative), code: errno)
        }
        changedDirectories.insert(absolute(parent(of: relative) ?? ""))
        return "\(relative).\(n)"
    }

    func exists(_ relative: String) -> Bool { access(absolute(relative), F_OK) == 0 }

    func size(of relative: String) -> UInt64? {
        var info = stat()
        return lstat(absolute(relative), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? UInt64(info.st_size) : nil
    }

    /// Makes every write since the last call durable: the files, then the directories that gained entries.
    func synchronize() throws(BackingStoreError) {
        var failure: BackingStoreError?
        if unsynced.count + changedDirectories.count > 2, let any = unsynced.first.flatMap({ handles[$0] }) ?? handles.values.first {
            // Many files (six cameras and their folders): one syncfs commits them in a single journal
            // transaction, where a fdatasync each would wait for the disk once per file.
            if clinux_syncfs(any) != 0 { failure = BackingStoreError(operation: "syncfs", path: root, code: errno) }
            unsynced.removeAll()
            changedDirectories.removeAll()
        }
        for id in unsynced {
            if let fd = handles[id], fdatasync(fd) != 0 {
                failure = BackingStoreError(operation: "fsync", path: root, code: errno)
            }
        }
        unsynced.removeAll()
        for directory in changedDirectories {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                if fsync(fd) != 0 { failure = BackingStoreError(operation: "fsync", path: directory, code: errno) }
                close(fd)
            }
        }
        changedDirectories.removeAll()
        if let failure { throw failure }
    }

    /// Forgets the descriptor of a file that the harvest no longer writes.
    func release(_ id: UInt32) {
        if let fd = handles.removeValue(forKey: id) {
            if unsynced.remove(id) != nil { fdatasync(fd) }
            close(fd)
        }
        if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
    }
}
