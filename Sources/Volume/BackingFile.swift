import FileIO
import Synchronization

/// An I/O failure of a file on the board's own disk, with the path and the errno so a user can act on it.
public typealias BackingStoreError = FileIOError

/// A file of the state directory (metadata image, staging, trace) addressed by byte offset, through the file-I/O
/// seam: the real file system in production, the page-cache model in power-cut tests. Thread-safe: each call
/// carries its own offset.
///
/// Once told to (`holdRefusedWrites`, the engine's stores), a write the disk refuses does not fail: its pages are
/// held in memory below every caller, served to reads and written back by `retryHeld` or `synchronize`
/// (BackingFile+Hold.swift).
public final class BackingFile: Sendable {
    public let path: String
    let file: any PositionalFile
    /// Lock order: the last lock (the list is at `VolumeEngine.State`): taken under the engine's, never the other
    /// way round, and nothing else is locked while it is held.
    let hold = Mutex(RefusedWrites())

    /// Opens (and with `create`, creates) `path` read-write.
    public init(path: String, create: Bool = false,
                fileSystem: any FileSystem = SystemFileSystem()) throws(BackingStoreError) {
        self.path = path
        file = try fileSystem.openFile(path, create ? [.create, .privateToOwner] : [])
    }

    /// Reads exactly `buffer.count` bytes at `offset`; bytes past the end of the file read as zero (a sparse hole).
    /// Held pages are laid over what the disk has.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            try file.read(into: buffer, at: offset)
            h.pages.overlay(onto: buffer, at: offset)
        }
    }

    /// Writes all of `buffer` at `offset`; while holding refused writes, never fails.
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            guard h.isHolding else { return try file.write(buffer, at: offset) }
            writeHolding(buffer, at: offset, &h)
        }
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(BackingStoreError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(BackingStoreError) in try write(raw, at: offset) } }
        try result.get()
    }

    /// Makes every completed write durable (data and the size/allocation metadata needed to read it back). Held
    /// pages are tried first: each flush of the car tries to get them onto the disk.
    public func synchronize() throws(BackingStoreError) {
        retryHeld(throttled: false)
        try file.synchronizeData()
    }

    /// Starts writeback of dirty pages without waiting, so that a later `synchronize()` has little left to do.
    public func startWriteback() { file.startWriteback() }

    /// Frees the disk blocks under `[offset, offset+length)`; they read back as zero. The size stays.
    public func punchHole(at offset: UInt64, length: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            try file.punchHole(at: offset, length: length)
            h.pages.zero(offset..<offset + length)
        }
    }

    /// Sets the logical size (a sparse extension: no blocks are allocated).
    public func setSize(_ size: UInt64) throws(BackingStoreError) {
        try hold.withLock { (h: inout RefusedWrites) throws(BackingStoreError) in
            try file.setSize(size)
            h.pages.zero(size..<UInt64.max / 2)
        }
    }

    /// Logical size in bytes.
    public func size() throws(BackingStoreError) -> UInt64 { try file.size() }

    /// Bytes of disk actually allocated (sparse files allocate only what was written).
    public func allocatedBytes() throws(BackingStoreError) -> UInt64 { try file.allocatedBytes() }

    /// The byte ranges that hold data (SEEK_DATA/SEEK_HOLE): what a sparse store has been written with.
    public func dataRanges() -> [Range<UInt64>] { file.dataRanges() }
}
