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

    /// Renames not yet covered by durable car metadata (see `MoveJournal`).
    private var journal: MoveJournal
    static let journalPath = ".teslacam-pending/moves"

    public init(root: String, fileSystem: any FileSystem = SystemFileSystem()) throws(BackingStoreError) {
        self.root = root
        self.fileSystem = fileSystem
        let journalPath = root + "/" + Self.journalPath
        let created = try fileSystem.makeDirectories(parentDirectory(of: journalPath))
        let isNew = fileSystem.status(journalPath) == nil
        journal = try MoveJournal(file: fileSystem.openFile(journalPath, [.create, .noFollow]))
        // The journal must be found after a power cut: its name, and the names of the directories just made.
        if isNew { try fileSystem.synchronizeDirectory(parentDirectory(of: journalPath)) }
        for directory in created { try fileSystem.synchronizeDirectory(parentDirectory(of: directory)) }
    }

    public func absolute(_ relative: String) -> String { root + "/" + relative }

    private func parent(of relative: String) -> String? {
        guard let slash = relative.lastIndex(of: "/") else { return nil }
        return String(relative[..<slash])
    }

    /// mkdir -p inside the archive, each new directory's name made durable at once (its parent fsynced, outermost
    /// first): a file created or renamed into it later is durable with that directory's fsync, and must not
    /// vanish because the directory itself did. New directories are rare (an event folder, a day).
    private func makeDirectories(_ relative: String) throws(BackingStoreError) {
        for created in try fileSystem.makeDirectories(absolute(relative)) {
            try fileSystem.synchronizeDirectory(parentDirectory(of: created))
        }
    }

    /// The open file of `id` at `relative`, creating the file (and its directories) when missing.
    func handle(_ id: UInt32, _ relative: String) throws(BackingStoreError) -> any PositionalFile {
        if let file = handles[id] {
            if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
            useOrder.append(id)
            return file
        }
        if let directory = parent(of: relative) { try makeDirectories(directory) }
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
        if let directory = parent(of: new) { try makeDirectories(directory) }
        let aside = try moveAside(new)
        try journal.record(.init(from: old, to: new))
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
        try journal.record(.init(from: relative, to: "\(relative).\(n)"))
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

    /// How much the move journal holds; `forgetMoves(through:)` takes it back.
    var journalMark: UInt64 { journal.length }

    /// The car's metadata is durable up to the moves recorded at `mark`: the journal empties, unless a move was
    /// recorded since (its car metadata is not durable yet).
    func forgetMoves(through mark: UInt64) throws(BackingStoreError) {
        guard journal.length == mark else { return }
        try journal.clear()
    }

    /// After a restart: a file that a recorded move took away from where the recovered volume names it (the move's
    /// car metadata did not survive), or that a move not yet made durable left behind, goes back to that path.
    /// `named`: the archive paths of the recovered volume's files.
    func restoreMoves(named: Set<String>) throws(BackingStoreError) {
        for move in try journal.moves().reversed() {
            for (wanted, other) in [(move.from, move.to), (move.to, move.from)]
            where named.contains(wanted) && !named.contains(other) && !exists(wanted) && size(of: other) != nil {
                if let directory = parent(of: wanted) { try makeDirectories(directory) }
                try fileSystem.rename(absolute(other), to: absolute(wanted))
                changedDirectories.insert(absolute(parent(of: other) ?? ""))
                changedDirectories.insert(absolute(parent(of: wanted) ?? ""))
            }
        }
    }

    /// Forgets the open file of a file that the harvest no longer writes.
    func release(_ id: UInt32) {
        if let file = handles.removeValue(forKey: id), unsynced.remove(id) != nil { try? file.synchronizeData() }
        if let i = useOrder.firstIndex(of: id) { useOrder.remove(at: i) }
    }
}
