import FileIO

/// An I/O failure of a file on the board's own disk, with the path and the errno so a user can act on it.
public typealias BackingStoreError = FileIOError

/// A file of the state directory (metadata image, staging, trace) addressed by byte offset, through the file-I/O
/// seam: the real file system in production, the page-cache model in power-cut tests. Thread-safe: each call
/// carries its own offset.
public final class BackingFile: Sendable {
    public let path: String
    let file: any PositionalFile

    /// Opens (and with `create`, creates) `path` read-write.
    public init(path: String, create: Bool = false,
                fileSystem: any FileSystem = SystemFileSystem()) throws(BackingStoreError) {
        self.path = path
        file = try fileSystem.openFile(path, create ? [.create, .privateToOwner] : [])
    }

    /// Reads exactly `buffer.count` bytes at `offset`; bytes past the end of the file read as zero (a sparse hole).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try file.read(into: buffer, at: offset)
    }

    /// Writes all of `buffer` at `offset`.
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try file.write(buffer, at: offset)
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(BackingStoreError) {
        try file.write(bytes, at: offset)
    }

    /// Makes every completed write durable (data and the size/allocation metadata needed to read it back).
    public func synchronize() throws(BackingStoreError) { try file.synchronizeData() }

    /// Starts writeback of dirty pages without waiting, so that a later `synchronize()` has little left to do.
    public func startWriteback() { file.startWriteback() }

    /// Frees the disk blocks under `[offset, offset+length)`; they read back as zero. The size stays.
    public func punchHole(at offset: UInt64, length: UInt64) throws(BackingStoreError) {
        try file.punchHole(at: offset, length: length)
    }

    /// Sets the logical size (a sparse extension: no blocks are allocated).
    public func setSize(_ size: UInt64) throws(BackingStoreError) { try file.setSize(size) }

    /// Logical size in bytes.
    public func size() throws(BackingStoreError) -> UInt64 { try file.size() }

    /// Bytes of disk actually allocated (sparse files allocate only what was written).
    public func allocatedBytes() throws(BackingStoreError) -> UInt64 { try file.allocatedBytes() }

    /// The byte ranges that hold data (SEEK_DATA/SEEK_HOLE): what a sparse store has been written with.
    public func dataRanges() -> [Range<UInt64>] { file.dataRanges() }
}
