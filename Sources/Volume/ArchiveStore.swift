import FileIO
import Glibc

/// The archive directory on the board's ext4: the reconstructed files themselves, and the storage behind the
/// volume's clusters once their owner is known.
///
/// Paths come from `ArchivePath` (no `..`, no `/` inside a component) and files are opened with `O_NOFOLLOW`, so
/// nothing the car names can make the daemon write outside this directory. All I/O goes through `fileSystem`
/// (the page-cache model in power-cut tests). Not thread-safe: the engine calls it under its lock.
public final class ArchiveStore: @unchecked Sendable {
    public let root: String
    public let fileSystem: any FileSystem
    /// Open files by archived-file id; an open file stays valid across a rename, which is how a move costs nothing.
    private var handles: [UInt32: any PositionalFile] = [:]
    private var useOrder: [UInt32] = []
    private static let maximumOpenFiles = 64
    /// Files written since the last `synchronize`.
    private var unsynced: Set<UInt32> = []
    /// Directories that gained or lost entries since the last `synchronize`: a new file's name must be as durable
    /// as its bytes, or a power cut loses clusters the car was told are safe.
    private var changedDirectories: Set<String> = []
    private(set) var bytesWritten: UInt64 = 0

    public init(root: String, fileSystem: any FileSystem = SystemFileSystem()) throws(BackingStoreError) {
        self.root = root
        self.fileSystem = fileSystem
        try fileSystem.makeDirectories(root)
    }

    public func absolute(_ relative: String) -> String { root + "/" + relative }

    private func parent(of relative: String) -> String? {
        guard let slash = relative.lastIndex(of: "/") else { return nil }
        return String(relative[..<slash])
    }

    /// The open file of `id` at `relative`, creating the file (and its directories) when missing.
    func handle(_ id: UInt32, _ relative: String) throws(BackingStoreError) -> any PositionalFile {
        if let file = handles[id] {
            if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
            useOrder.append(id)
            return file
        }
        if let directory = parent(of: relative) { try fileSystem.makeDirectories(absolute(directory)) }
        let path = absolute(relative)
        let file: any PositionalFile
        do {
            file = try fileSystem.openFile(path, [.noFollow])
        } catch where error.code == ENOENT {
            file = try fileSystem.openFile(path, [.create, .noFollow])
            // The file's directory, and every directory above it that may be new as well.
            var directory = parent(of: relative)
            changedDirectories.insert(root)
            while let current = directory {
                changedDirectories.insert(absolute(current))
                directory = parent(of: current)
            }
        }
        if handles.count >= Self.maximumOpenFiles, let oldest = useOrder.first {
            // A file about to be closed must reach the disk first: a later sync could not name it.
            if unsynced.contains(oldest), let old = handles[oldest] { try? old.synchronizeData(); unsynced.remove(oldest) }
            handles.removeValue(forKey: oldest)
            useOrder.removeFirst()
        }
        handles[id] = file
        useOrder.append(id)
        return file
    }

    func write(_ id: UInt32, _ relative: String, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try handle(id, relative).write(bytes, at: offset)
        bytesWritten += UInt64(bytes.count)
        unsynced.insert(id)
    }

    /// Reads; bytes past the end of the file read as zero.
    func read(_ id: UInt32, _ relative: String, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try handle(id, relative).read(into: buffer, at: offset)
    }

    func setSize(_ id: UInt32, _ relative: String, _ size: UInt64) throws(BackingStoreError) {
        let file = try handle(id, relative)
        if (try? file.size()) == size { return }
        try file.setSize(size)
        unsynced.insert(id)
    }

    /// Renames a file; a different file already at the destination is moved aside (`name.1`, `name.2`, ...),
    /// because an archived clip is never overwritten.
    /// Returns where a file found at the destination was moved aside to.
    @discardableResult
    func rename(from old: String, to new: String) throws(BackingStoreError) -> String? {
        guard old != new else { return nil }
        if let directory = parent(of: new) { try fileSystem.makeDirectories(absolute(directory)) }
        let aside = try moveAside(new)
        try fileSystem.rename(absolute(old), to: absolute(new))
        changedDirectories.insert(absolute(parent(of: old) ?? ""))
        changedDirectories.insert(absolute(parent(of: new) ?? ""))
        return aside
    }

    /// Moves whatever is at `relative` to the first free `relative.N`; returns that path, or nil if nothing was there.
    @discardableResult
    func moveAside(_ relative: String) throws(BackingStoreError) -> String? {
        guard exists(relative) else { return nil }
        var n = 1
        while exists("\(relative).\(n)") { n += 1 }
        try fileSystem.rename(absolute(relative), to: absolute("\(relative).\(n)"))
        changedDirectories.insert(absolute(parent(of: relative) ?? ""))
        return "\(relative).\(n)"
    }

    /// Removes an archive file the harvest no longer needs (an abandoned pending chain, an empty placeholder).
    func remove(_ relative: String) throws(BackingStoreError) {
        try fileSystem.removeFile(absolute(relative))
        changedDirectories.insert(absolute(parent(of: relative) ?? ""))
    }

    /// The names in an archive directory; empty if it does not exist.
    func contents(of relative: String) -> [String] {
        (try? fileSystem.contentsOfDirectory(absolute(relative))) ?? []
    }

    func exists(_ relative: String) -> Bool { fileSystem.status(absolute(relative)) != nil }

    func size(of relative: String) -> UInt64? {
        guard let status = fileSystem.status(absolute(relative)), status.kind == .regular else { return nil }
        return status.size
    }

    /// Makes every write since the last call durable: the files, then the directories that gained entries.
    func synchronize() throws(BackingStoreError) {
        var failure: BackingStoreError?
        if unsynced.count + changedDirectories.count > 2 {
            // Many files (six cameras and their folders): one syncfs commits them in a single journal
            // transaction, where a fdatasync each would wait for the disk once per file.
            do { try fileSystem.synchronizeFileSystem(containing: root) } catch { failure = error }
            unsynced.removeAll()
            changedDirectories.removeAll()
        }
        for id in unsynced {
            do { try handles[id]?.synchronizeData() } catch { failure = error }
        }
        unsynced.removeAll()
        for directory in changedDirectories {
            do { try fileSystem.synchronizeDirectory(directory) } catch where error.code == ENOENT {
                continue  // renamed or removed since; its new place is in the set too
            } catch { failure = error }
        }
        changedDirectories.removeAll()
        if let failure { throw failure }
    }

    /// Forgets the open file of a file that the harvest no longer writes.
    func release(_ id: UInt32) {
        if let file = handles.removeValue(forKey: id), unsynced.remove(id) != nil { try? file.synchronizeData() }
        if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
    }
}
