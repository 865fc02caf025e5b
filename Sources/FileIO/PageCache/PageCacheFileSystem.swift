import Glibc
import Synchronization

/// A file system in memory that models the kernel's page cache, so tests can cut the power between any two
/// operations and see what a real disk would have kept (see `PowerCut`).
///
/// Two copies of the disk: `cached`, what every read sees, and `durable`, what survives. A file's fsync or
/// fdatasync copies its bytes and size into `durable`; a directory's fsync commits that directory's changes (so a
/// new name or an unlink survives only once its parent directory is synced: the strict POSIX rule, which ext4
/// happens to be kinder than); syncfs commits everything. A rename is one change, committed whole (old name gone,
/// new name there) by the fsync of the directory it moves the file *into*, as journaling file systems commit it:
/// the source directory's fsync alone does not commit it. Paths are absolute; no links, no `..`.
public final class PageCacheFileSystem: FileSystem {
    typealias Inode = Int
    static let root: Inode = 0

    enum Node: Sendable, Equatable {
        case file(SparseContent)
        case directory([String: Inode])
    }

    /// One directory entry change; an operation's changes form one unit, kept until the directory that owns the
    /// unit is synced (the kernel's writeback may commit a prefix of a directory's units).
    struct Edit: Sendable { var directory: Inode; var name: String; var inode: Inode? }

    struct Disk: Sendable {
        var nodes: [Inode: Node] = [PageCacheFileSystem.root: .directory([:])]
    }

    struct LastWrite: Sendable { var inode: Inode; var offset: UInt64; var bytes: [UInt8] }

    struct State: Sendable {
        var cached = Disk()
        var durable = Disk()
        /// Per directory, the operations it commits when synced (a rename belongs to its target), oldest first.
        var unsyncedEdits: [Inode: [[Edit]]] = [:]
        var lastWrite: LastWrite?
        var nextInode: Inode = 1
        var operations = 0
        var observer: (@Sendable (Int) -> Void)?
    }

    let state: Mutex<State>

    public init() { state = Mutex(State()) }

    private init(disk: Disk, nextInode: Inode) {
        state = Mutex(State(cached: disk, durable: disk, nextInode: nextInode))
    }

    /// Called after every operation that changes the disk or its durability, with the operation's number (from
    /// 1), outside the file system's lock: a test takes its power-cut images from here.
    public func observe(_ observer: @escaping @Sendable (Int) -> Void) {
        state.withLock { $0.observer = observer }
    }

    /// Operations counted so far.
    public var operationCount: Int { state.withLock { $0.operations } }

    // MARK: Paths

    static func components(_ path: String) throws(FileIOError) -> [String] {
        guard path.hasPrefix("/") else { throw FileIOError(operation: "resolve", path: path, code: EINVAL) }
        var parts: [String] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { throw FileIOError(operation: "resolve", path: path, code: EINVAL) }
            parts.append(String(part))
        }
        return parts
    }

    static func lookup(_ parts: ArraySlice<String>, in disk: Disk, path: String) throws(FileIOError) -> Inode {
        var inode = root
        for part in parts {
            guard case let .directory(entries)? = disk.nodes[inode] else {
                throw FileIOError(operation: "resolve", path: path, code: ENOTDIR)
            }
            guard let next = entries[part] else { throw FileIOError(operation: "resolve", path: path, code: ENOENT) }
            inode = next
        }
        return inode
    }

    /// The directory holding `path`'s last component, and that component.
    static func parent(_ path: String, in disk: Disk) throws(FileIOError) -> (directory: Inode, name: String) {
        let parts = try components(path)
        guard let name = parts.last else { throw FileIOError(operation: "resolve", path: path, code: EISDIR) }
        let directory = try lookup(parts.dropLast(), in: disk, path: path)
        guard case .directory? = disk.nodes[directory] else {
            throw FileIOError(operation: "resolve", path: path, code: ENOTDIR)
        }
        return (directory, name)
    }

    // MARK: Operations

    /// Runs one operation under the lock, then tells the observer if it changed anything.
    func perform<T>(counted: Bool = true,
                    _ body: (inout State) throws(FileIOError) -> T) throws(FileIOError) -> T {
        let (result, observer, count) = try state.withLock { (st) throws(FileIOError) -> (T, (@Sendable (Int) -> Void)?, Int) in
            let result = try body(&st)
            if counted { st.operations += 1 }
            return (result, counted ? st.observer : nil, st.operations)
        }
        observer?(count)
        return result
    }

    /// Applies one operation's entry changes to the cache, committed later by `owner`'s fsync.
    static func edit(_ st: inout State, owner: Inode, _ edits: [Edit]) {
        apply(edits, to: &st.cached)
        st.unsyncedEdits[owner, default: []].append(edits)
    }

    static func apply(_ edits: [Edit], to disk: inout Disk) {
        for edit in edits {
            var entries: [String: Inode] = [:]
            if case let .directory(existing)? = disk.nodes[edit.directory] { entries = existing }
            entries[edit.name] = edit.inode
            disk.nodes[edit.directory] = .directory(entries)
        }
    }

    public func openFile(_ path: String, _ options: OpenOptions) throws(FileIOError) -> any PositionalFile {
        let created = try state.withLock { (st) throws(FileIOError) -> Bool? in
            let (directory, name) = try Self.parent(path, in: st.cached)
            guard case let .directory(entries)? = st.cached.nodes[directory] else { return nil }
            if entries[name] != nil { return false }
            guard options.contains(.create) else { throw FileIOError(operation: "open", path: path, code: ENOENT) }
            return true
        }
        let inode: Inode = try perform(counted: created == true) { (st) throws(FileIOError) -> Inode in
            let (directory, name) = try Self.parent(path, in: st.cached)
            guard case let .directory(entries)? = st.cached.nodes[directory] else {
                throw FileIOError(operation: "open", path: path, code: ENOTDIR)
            }
            if let existing = entries[name] {
                guard case .file? = st.cached.nodes[existing] else {
                    throw FileIOError(operation: "open", path: path, code: EISDIR)
                }
                return existing
            }
            let inode = st.nextInode
            st.nextInode += 1
            st.cached.nodes[inode] = .file(SparseContent())
            Self.edit(&st, owner: directory, [Edit(directory: directory, name: name, inode: inode)])
            return inode
        }
        return PageCacheFile(fileSystem: self, inode: inode, path: path)
    }

    public func makeDirectory(_ path: String) throws(FileIOError) {
        try perform { (st) throws(FileIOError) in
            if try Self.components(path).isEmpty { throw FileIOError(operation: "mkdir", path: path, code: EEXIST) }
            let (directory, name) = try Self.parent(path, in: st.cached)
            guard case let .directory(entries)? = st.cached.nodes[directory], entries[name] == nil else {
                throw FileIOError(operation: "mkdir", path: path, code: EEXIST)
            }
            let inode = st.nextInode
            st.nextInode += 1
            st.cached.nodes[inode] = .directory([:])
            Self.edit(&st, owner: directory, [Edit(directory: directory, name: name, inode: inode)])
        }
    }

    public func rename(_ from: String, to: String) throws(FileIOError) {
        try perform { (st) throws(FileIOError) in
            let source = try Self.parent(from, in: st.cached)
            let target = try Self.parent(to, in: st.cached)
            guard case let .directory(sourceEntries)? = st.cached.nodes[source.directory],
                  let inode = sourceEntries[source.name] else {
                throw FileIOError(operation: "rename to \(to)", path: from, code: ENOENT)
            }
            guard case let .directory(targetEntries)? = st.cached.nodes[target.directory] else {
                throw FileIOError(operation: "rename to \(to)", path: from, code: ENOTDIR)
            }
            if let existing = targetEntries[target.name] {
                if existing == inode { return }
                if case .directory = st.cached.nodes[existing] {
                    throw FileIOError(operation: "rename to \(to)", path: from, code: EISDIR)
                }
            }
            Self.edit(&st, owner: target.directory, [
                Edit(directory: target.directory, name: target.name, inode: inode),
                Edit(directory: source.directory, name: source.name, inode: nil),
            ])
        }
    }

    public func removeFile(_ path: String) throws(FileIOError) {
        try perform { (st) throws(FileIOError) in
            let (directory, name) = try Self.parent(path, in: st.cached)
            guard case let .directory(entries)? = st.cached.nodes[directory], let inode = entries[name] else {
                throw FileIOError(operation: "unlink", path: path, code: ENOENT)
            }
            if case .directory = st.cached.nodes[inode] { throw FileIOError(operation: "unlink", path: path, code: EISDIR) }
            Self.edit(&st, owner: directory, [Edit(directory: directory, name: name, inode: nil)])
        }
    }

    public func contentsOfDirectory(_ path: String) throws(FileIOError) -> [String] {
        try state.withLock { (st) throws(FileIOError) -> [String] in
            let inode = try Self.lookup(Self.components(path)[...], in: st.cached, path: path)
            guard case let .directory(entries)? = st.cached.nodes[inode] else {
                throw FileIOError(operation: "list", path: path, code: ENOTDIR)
            }
            return Array(entries.keys)
        }
    }

    public func status(_ path: String) -> FileStatus? {
        state.withLock { st -> FileStatus? in
            guard let parts = try? Self.components(path),
                  let inode = try? Self.lookup(parts[...], in: st.cached, path: path) else { return nil }
            switch st.cached.nodes[inode] {
            case let .file(content)?: return FileStatus(kind: .regular, size: content.size)
            case .directory?: return FileStatus(kind: .directory, size: 4096)
            case nil: return nil
            }
        }
    }

    public func synchronizeDirectory(_ path: String) throws(FileIOError) {
        try perform { (st) throws(FileIOError) in
            let inode = try Self.lookup(Self.components(path)[...], in: st.cached, path: path)
            guard case .directory? = st.cached.nodes[inode] else {
                throw FileIOError(operation: "fsync", path: path, code: ENOTDIR)
            }
            for unit in st.unsyncedEdits.removeValue(forKey: inode) ?? [] { Self.apply(unit, to: &st.durable) }
        }
    }

    public func synchronizeFileSystem(containing path: String) throws(FileIOError) {
        try perform { st in
            st.durable = st.cached
            st.unsyncedEdits.removeAll()
            st.lastWrite = nil
        }
    }

    // MARK: File operations (for PageCacheFile)

    func withContent<T>(_ inode: Inode, path: String, _ body: (SparseContent) -> T) -> T {
        state.withLock { st in
            guard case let .file(content)? = st.cached.nodes[inode] else { return body(SparseContent()) }
            return body(content)
        }
    }

    /// Changes a file's cached bytes; `write` is remembered as the last write, which a cut may tear.
    func change(_ inode: Inode, write: LastWrite? = nil, _ body: (inout SparseContent) -> Void) {
        try! perform { st in
            guard case var .file(content)? = st.cached.nodes[inode] else { return }
            st.cached.nodes[inode] = nil  // keeps `content` uniquely referenced while it changes
            body(&content)
            st.cached.nodes[inode] = .file(content)
            if let write { st.lastWrite = write }
        }
    }

    func write(_ inode: Inode, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) {
        change(inode, write: LastWrite(inode: inode, offset: offset, bytes: Array(bytes))) {
            $0.write(bytes, at: offset)
        }
    }

    func synchronize(_ inode: Inode) {
        try! perform { st in
            st.durable.nodes[inode] = st.cached.nodes[inode]
            if st.lastWrite?.inode == inode { st.lastWrite = nil }
        }
    }

    // MARK: The power cut

    /// The disk as it comes back after power is lost now: what was durable, plus what `cut` lets through. This
    /// file system carries on unchanged (the test may keep driving it, or take a later cut).
    public func afterPowerCut(_ cut: PowerCut) -> PageCacheFileSystem {
        let (disk, next) = state.withLock { st in (Self.survivor(of: st, cut), st.nextInode) }
        return PageCacheFileSystem(disk: disk, nextInode: next)
    }

    static func survivor(of st: State, _ cut: PowerCut) -> Disk {
        var rng = CutRandom(seed: cut.seed)
        var disk = cut.keepsPageCache ? st.cached : st.durable
        if cut.kernelWriteback {
            for (inode, node) in st.cached.nodes.sorted(by: { $0.key < $1.key }) {
                guard case let .file(cached) = node else { continue }
                var kept: SparseContent
                if case let .file(durable)? = disk.nodes[inode] { kept = durable } else { kept = SparseContent() }
                if kept == cached { continue }
                if rng.coin() { kept.takeSize(from: cached) }
                for page in SparseContent.differingPages(kept, cached) where rng.coin() {
                    kept.takePage(page, from: cached)
                }
                disk.nodes[inode] = .file(kept)
            }
            for (_, units) in st.unsyncedEdits.sorted(by: { $0.key < $1.key }) {
                for unit in units.prefix(rng.below(units.count + 1)) { apply(unit, to: &disk) }
            }
        }
        if cut.tearsLastWrite, let last = st.lastWrite {
            let sectors = (last.bytes.count + PowerCut.sectorSize - 1) / PowerCut.sectorSize
            var keep = min(last.bytes.count, rng.below(sectors) * PowerCut.sectorSize)
            var content = SparseContent()
            if case let .file(durable)? = disk.nodes[last.inode] { content = durable }
            // A block the write allocated (a hole before) is committed whole or not at all, as ext4's default
            // data=ordered mode commits an allocation only after its data: sectors tear only in blocks that were
            // already there.
            let page = UInt64(SparseContent.pageSize)
            let end = last.offset + UInt64(keep)
            if end % page != 0, !content.hasPage(end / page) {
                keep = Int(max(last.offset, end / page * page) - last.offset)
            }
            last.bytes.withUnsafeBytes { content.write(UnsafeRawBufferPointer(rebasing: $0[0..<keep]), at: last.offset) }
            disk.nodes[last.inode] = .file(content)
        }
        // Only what a durable name reaches survives; a durable name whose inode never was synced is an empty file
        // or directory (its creation was journaled, its content was not).
        var reachable = Disk(nodes: [:])
        var queue = [root]
        reachable.nodes[root] = disk.nodes[root] ?? .directory([:])
        while let directory = queue.popLast() {
            guard case let .directory(entries)? = reachable.nodes[directory] else { continue }
            for (_, inode) in entries where reachable.nodes[inode] == nil {
                let node = disk.nodes[inode] ?? {
                    if case .directory? = st.cached.nodes[inode] { return .directory([:]) }
                    return .file(SparseContent())
                }()
                reachable.nodes[inode] = node
                if case .directory = node { queue.append(inode) }
            }
        }
        return reachable
    }

    /// Every path in the cached tree with its kind, for tests that check where files went.
    public func allPaths() -> [(path: String, status: FileStatus)] {
        state.withLock { st in
            var result: [(String, FileStatus)] = []
            var queue: [(Inode, String)] = [(Self.root, "")]
            while let (inode, prefix) = queue.popLast() {
                guard case let .directory(entries)? = st.cached.nodes[inode] else { continue }
                for (name, child) in entries.sorted(by: { $0.key < $1.key }) {
                    let path = prefix + "/" + name
                    switch st.cached.nodes[child] {
                    case let .file(content)?: result.append((path, FileStatus(kind: .regular, size: content.size)))
                    case .directory?:
                        result.append((path, FileStatus(kind: .directory, size: 4096)))
                        queue.append((child, path))
                    case nil: break
                    }
                }
            }
            return result.sorted { $0.0 < $1.0 }
        }
    }
}

/// SplitMix64, local so FileIO depends on nothing: which unsynced changes a cut lets through.
struct CutRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func coin() -> Bool { next() & 1 == 1 }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
