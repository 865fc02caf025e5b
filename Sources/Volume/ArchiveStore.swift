import FileIO
import Glibc
import Synchronization

/// The archive directory on the board's ext4: the reconstructed files themselves, and the storage behind the
/// volume's clusters once their owner is known.
///
/// Paths come from `ArchivePath` (no `..`, no `/` inside a component) and files are opened with `O_NOFOLLOW`, so
/// nothing the car names can make the daemon write outside this directory. All I/O goes through `fileSystem`
/// (the page-cache model in power-cut tests).
///
/// Its state is behind one lock, `state`, taken inside the engine's: the lock order is
/// `VolumeEngine.sync` → `VolumeEngine.state` (the harvest) → `ArchiveStore.state` → `BackingFile.hold`
/// (see `VolumeEngine`). It never calls out while holding it, except to the file system.
public final class ArchiveStore: Sendable {
    public let root: String
    public let fileSystem: any FileSystem
    private static let maximumOpenFiles = 64

    private struct State {
        /// Open files by archived-file id; an open file stays valid across a rename, which is how a move costs
        /// nothing.
        var handles: [UInt32: any PositionalFile] = [:]
        var useOrder: [UInt32] = []
        /// Files written since the last `synchronize`.
        var unsynced: Set<UInt32> = []
        /// Directories that gained or lost entries since the last `synchronize`: a new file's name must be as
        /// durable as its bytes, or a power cut loses clusters the car was told are safe.
        var changedDirectories: Set<String> = []
        var bytesWritten: UInt64 = 0
        /// Renames not yet covered by durable car metadata (see `MoveJournal`).
        var journal: MoveJournal
    }
    private let state: Mutex<State>
    static let journalPath = ".teslacam-pending/moves"

    var bytesWritten: UInt64 { state.withLock { $0.bytesWritten } }

    public init(root: String, fileSystem: any FileSystem = SystemFileSystem()) throws(BackingStoreError) {
        self.root = root
        self.fileSystem = fileSystem
        let journalPath = root + "/" + Self.journalPath
        let created = try fileSystem.makeDirectories(parentDirectory(of: journalPath))
        let isNew = fileSystem.status(journalPath) == nil
        state = Mutex(State(journal: try MoveJournal(file: fileSystem.openFile(journalPath, [.create, .noFollow]))))
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
        try state.withLock { (st: inout State) throws(BackingStoreError) in try handle(id, relative, &st) }
    }

    private func handle(_ id: UInt32, _ relative: String, _ st: inout State) throws(BackingStoreError) -> any PositionalFile {
        if let file = st.handles[id] {
            if let i = st.useOrder.firstIndex(of: id) { st.useOrder.remove(at: i) }
            st.useOrder.append(id)
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
            st.changedDirectories.insert(root)
            while let current = directory {
                st.changedDirectories.insert(absolute(current))
                directory = parent(of: current)
            }
        }
        if st.handles.count >= Self.maximumOpenFiles, let oldest = st.useOrder.first {
            // A file about to be closed must reach the disk first: a later sync could not name it.
            if st.unsynced.contains(oldest), let old = st.handles[oldest] { try? old.synchronizeData(); st.unsynced.remove(oldest) }
            st.handles.removeValue(forKey: oldest)
            st.useOrder.removeFirst()
        }
        st.handles[id] = file
        st.useOrder.append(id)
        return file
    }

    func write(_ id: UInt32, _ relative: String, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            try handle(id, relative, &st).write(bytes, at: offset)
            st.bytesWritten += UInt64(bytes.count)
            st.unsynced.insert(id)
        }
    }

    /// Reads; bytes past the end of the file read as zero.
    func read(_ id: UInt32, _ relative: String, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try handle(id, relative).read(into: buffer, at: offset)
    }

    func setSize(_ id: UInt32, _ relative: String, _ size: UInt64) throws(BackingStoreError) {
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            let file = try handle(id, relative, &st)
            if (try? file.size()) == size { return }
            try file.setSize(size)
            st.unsynced.insert(id)
        }
    }

    /// Renames a file; a different file already at the destination is moved aside (`name.1`, `name.2`, ...),
    /// because an archived clip is never overwritten.
    /// Returns where a file found at the destination was moved aside to. `head`: the first cluster of the car's
    /// chain the file holds, recorded with the move.
    @discardableResult
    func rename(from old: String, to new: String, head: UInt32? = nil) throws(BackingStoreError) -> String? {
        guard old != new else { return nil }
        if let directory = parent(of: new) { try makeDirectories(directory) }
        return try state.withLock { (st: inout State) throws(BackingStoreError) -> String? in
            let aside = try moveAside(new, &st)
            try st.journal.record(.init(from: old, to: new, head: head))
            try fileSystem.rename(absolute(old), to: absolute(new))
            st.changedDirectories.insert(absolute(parent(of: old) ?? ""))
            st.changedDirectories.insert(absolute(parent(of: new) ?? ""))
            return aside
        }
    }

    /// Records, durably, that the file at `relative` (holding the chain from `head`) is about to be rewritten in place
    /// (`Harvest.recordRewrite`).
    func recordRewrite(_ relative: String, head: UInt32) throws(BackingStoreError) {
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            try st.journal.record(.init(from: relative, to: relative, head: head))
        }
    }

    /// Records, durably, that the file at `relative` (holding the chain from `head`) is named by no entry of the car
    /// any more while its chain stays allocated (`Harvest.recordVanished`); `clusters`: that chain, in order.
    func recordVanished(_ relative: String, head: UInt32, clusters: [UInt32]? = nil) throws(BackingStoreError) {
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            try st.journal.record(.init(from: relative, to: "", head: head, clusters: clusters))
        }
    }

    /// Moves whatever is at `relative` to the first free `relative.N`; returns that path, or nil if nothing was there.
    @discardableResult
    func moveAside(_ relative: String) throws(BackingStoreError) -> String? {
        try state.withLock { (st: inout State) throws(BackingStoreError) in try moveAside(relative, &st) }
    }

    private func moveAside(_ relative: String, _ st: inout State) throws(BackingStoreError) -> String? {
        guard exists(relative) else { return nil }
        var n = 1
        while exists("\(relative).\(n)") { n += 1 }
        try st.journal.record(.init(from: relative, to: "\(relative).\(n)"))
        try fileSystem.rename(absolute(relative), to: absolute("\(relative).\(n)"))
        st.changedDirectories.insert(absolute(parent(of: relative) ?? ""))
        return "\(relative).\(n)"
    }

    /// Removes an archive file the harvest no longer needs (an abandoned pending chain, an empty placeholder).
    func remove(_ relative: String) throws(BackingStoreError) {
        try fileSystem.removeFile(absolute(relative))
        state.withLock { _ = $0.changedDirectories.insert(absolute(parent(of: relative) ?? "")) }
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
        // Many files (six cameras and their folders): one syncfs commits them in a single journal transaction,
        // where a fdatasync each would wait for the disk once per file. It runs outside the lock: syncfs also
        // waits for every other dirty page of that file system (a folder sink's copies on the same disk), and the
        // car's next write, placing a cluster here under the engine's lock, must not wait for that
        // (`teslacam bench stall`). Writes made meanwhile mark their files again for the next call.
        let whole = state.withLock { st -> Bool in
            guard st.unsynced.count + st.changedDirectories.count > 2 else { return false }
            st.unsynced.removeAll()
            st.changedDirectories.removeAll()
            return true
        }
        if whole {
            var failure: BackingStoreError?
            do throws(BackingStoreError) { try fileSystem.synchronizeFileSystem(containing: root) } catch { failure = error }
            if let failure { throw failure }
            return
        }
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            var failure: BackingStoreError?
            for id in st.unsynced {
                do throws(BackingStoreError) { try st.handles[id]?.synchronizeData() } catch { failure = error }
            }
            st.unsynced.removeAll()
            for directory in st.changedDirectories {
                do throws(BackingStoreError) { try fileSystem.synchronizeDirectory(directory) } catch where error.code == ENOENT {
                    continue  // renamed or removed since; its new place is in the set too
                } catch { failure = error }
            }
            st.changedDirectories.removeAll()
            if let failure { throw failure }
        }
    }

    /// The moves recorded since the car's metadata was last durable, oldest first.
    func recordedMoves() throws(BackingStoreError) -> [MoveJournal.Move] {
        try state.withLock { (st: inout State) throws(BackingStoreError) in try st.journal.moves() }
    }

    /// How much the move journal holds; `forgetMoves(through:)` takes it back.
    var journalMark: UInt64 { state.withLock { $0.journal.length } }

    /// The car's metadata is durable up to the moves recorded at `mark`: the journal empties, unless a move was
    /// recorded since (its car metadata is not durable yet).
    func forgetMoves(through mark: UInt64) throws(BackingStoreError) {
        try state.withLock { (st: inout State) throws(BackingStoreError) in
            guard st.journal.length == mark else { return }
            try st.journal.clear()
        }
    }

    /// After a restart: a file that a recorded move took away from where the recovered volume names it (the move's
    /// car metadata did not survive), or that a move not yet made durable left behind, goes back to that path.
    /// `named`: the archive paths of the recovered volume's files.
    func restoreMoves(named: Set<String>) throws(BackingStoreError) {
        let moves = try state.withLock { (st: inout State) throws(BackingStoreError) in try st.journal.moves() }
        for move in moves.reversed() where !move.isVanished {
            for (wanted, other) in [(move.from, move.to), (move.to, move.from)]
            where named.contains(wanted) && !named.contains(other) && !exists(wanted) && size(of: other) != nil {
                if let directory = parent(of: wanted) { try makeDirectories(directory) }
                try fileSystem.rename(absolute(other), to: absolute(wanted))
                state.withLock { st in
                    st.changedDirectories.insert(absolute(parent(of: other) ?? ""))
                    st.changedDirectories.insert(absolute(parent(of: wanted) ?? ""))
                }
            }
        }
    }

    /// Forgets the open file of a file that the harvest no longer writes.
    func release(_ id: UInt32) {
        state.withLock { st in
            if let file = st.handles.removeValue(forKey: id), st.unsynced.remove(id) != nil { try? file.synchronizeData() }
            if let i = st.useOrder.firstIndex(of: id) { st.useOrder.remove(at: i) }
        }
    }
}
