/// The directory operations the engine needs from the board's file system, and the door to its files.
///
/// Two implementations: `SystemFileSystem` (the real one, thin syscall wrappers) and `PageCacheFileSystem` (a model
/// of the kernel's page cache that can lose power, for tests). Durability follows the strict POSIX rule: a file's
/// bytes survive a power cut once it is fsynced; a new name, a rename or an unlink once its parent directory is
/// fsynced; everything once `synchronizeFileSystem` returns.
public protocol FileSystem: Sendable {
    /// Opens a regular file read-write.
    func openFile(_ path: String, _ options: OpenOptions) throws(FileIOError) -> any PositionalFile
    /// Creates one directory; fails with EEXIST if something is already there.
    func makeDirectory(_ path: String) throws(FileIOError)
    /// rename(2): replaces a file already at `to`.
    func rename(_ from: String, to: String) throws(FileIOError)
    /// unlink(2) of a file.
    func removeFile(_ path: String) throws(FileIOError)
    /// The names in a directory, without `.` and `..`, in no particular order.
    func contentsOfDirectory(_ path: String) throws(FileIOError) -> [String]
    /// What is at `path`, without following a symbolic link there; nil if nothing.
    func status(_ path: String) -> FileStatus?
    /// fsync(2) of a directory: its entries (new names, renames, unlinks) become durable.
    func synchronizeDirectory(_ path: String) throws(FileIOError)
    /// syncfs(2) of the file system holding `path`: every file and directory on it becomes durable.
    func synchronizeFileSystem(containing path: String) throws(FileIOError)
}

public struct OpenOptions: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// O_CREAT: create the file (mode 0644) when it is missing.
    public static let create = OpenOptions(rawValue: 1)
    /// O_NOFOLLOW: refuse a symbolic link as the last component (ELOOP).
    public static let noFollow = OpenOptions(rawValue: 2)
    /// Mode 0600 rather than 0644 for a created file (the state directory's images).
    public static let privateToOwner = OpenOptions(rawValue: 4)
}

/// lstat(2), reduced to what the engine asks.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, other }
    public var kind: Kind
    public var size: UInt64

    public init(kind: Kind, size: UInt64) {
        self.kind = kind
        self.size = size
    }
}

/// A file addressed by byte offset (pread/pwrite), thread-safe: each call carries its own offset. Closed when the
/// last reference goes away.
public protocol PositionalFile: AnyObject, Sendable {
    var path: String { get }
    /// Reads exactly `buffer.count` bytes at `offset`; bytes past the end of the file read as zero.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileIOError)
    /// Writes all of `buffer` at `offset`, extending the file if needed.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(FileIOError)
    /// ftruncate(2): sets the logical size (extending sparsely).
    func setSize(_ size: UInt64) throws(FileIOError)
    func size() throws(FileIOError) -> UInt64
    /// Bytes of disk allocated (a sparse file allocates only what was written).
    func allocatedBytes() throws(FileIOError) -> UInt64
    /// fallocate(PUNCH_HOLE | KEEP_SIZE): the range reads back as zero and frees its blocks.
    func punchHole(at offset: UInt64, length: UInt64) throws(FileIOError)
    /// The byte ranges that hold data (SEEK_DATA / SEEK_HOLE), in file-system blocks.
    func dataRanges() -> [Range<UInt64>]
    /// fsync(2): the file's bytes and metadata become durable (not its name: that is its directory's fsync).
    func synchronize() throws(FileIOError)
    /// fdatasync(2): the file's bytes and the size needed to read them become durable.
    func synchronizeData() throws(FileIOError)
    /// sync_file_range(WRITE): starts writeback without waiting, a hint with no durability promise.
    func startWriteback()
}

extension PositionalFile {
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(FileIOError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try write(raw, at: offset) } }
        try result.get()
    }

    /// The whole file (small files only: manifests).
    public func readAll() throws(FileIOError) -> [UInt8] {
        let count = Int(try size())
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { raw in Result { () throws(FileIOError) in try read(into: raw, at: 0) } }
        try result.get()
        return bytes
    }
}
