import Glibc

/// An open file of a `PageCacheFileSystem`. Like a descriptor it names the inode, not the path: it keeps working
/// after a rename or an unlink.
public final class PageCacheFile: PositionalFile {
    public let path: String
    let fileSystem: PageCacheFileSystem
    let inode: PageCacheFileSystem.Inode

    init(fileSystem: PageCacheFileSystem, inode: PageCacheFileSystem.Inode, path: String) {
        self.fileSystem = fileSystem
        self.inode = inode
        self.path = path
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileIOError) {
        fileSystem.withContent(inode, path: path) { $0.read(into: buffer, at: offset) }
    }

    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(FileIOError) {
        fileSystem.write(inode, buffer, at: offset)
    }

    public func setSize(_ size: UInt64) throws(FileIOError) {
        fileSystem.change(inode) { $0.setSize(size) }
    }

    public func size() throws(FileIOError) -> UInt64 {
        fileSystem.withContent(inode, path: path) { $0.size }
    }

    public func allocatedBytes() throws(FileIOError) -> UInt64 {
        fileSystem.withContent(inode, path: path) { $0.allocatedBytes }
    }

    public func punchHole(at offset: UInt64, length: UInt64) throws(FileIOError) {
        fileSystem.change(inode) { $0.punchHole(at: offset, length: length) }
    }

    public func dataRanges() -> [Range<UInt64>] {
        fileSystem.withContent(inode, path: path) { $0.dataRanges() }
    }

    public func synchronize() throws(FileIOError) { fileSystem.synchronize(inode) }

    public func synchronizeData() throws(FileIOError) { fileSystem.synchronize(inode) }

    public func startWriteback() {}
}
