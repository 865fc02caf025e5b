import FAT32
import Foundation

/// A sparse in-memory disk: 512-byte sectors that were written, zeros elsewhere. Large volumes cost only what
/// the formatter writes.
struct MemoryDisk: BlockSink {
    private(set) var sectors: [UInt64: [UInt8]] = [:]
    private(set) var writeLog: [(offset: UInt64, count: Int)] = []

    mutating func write(_ bytes: [UInt8], at offset: UInt64) {
        writeLog.append((offset, bytes.count))
        var position = offset
        var index = 0
        while index < bytes.count {
            let sector = position / 512
            let within = Int(position % 512)
            let count = min(512 - within, bytes.count - index)
            var data = sectors[sector] ?? [UInt8](repeating: 0, count: 512)
            data.replaceSubrange(within..<within + count, with: bytes[index..<index + count])
            sectors[sector] = data
            index += count
            position += UInt64(count)
        }
    }

    func read(_ offset: UInt64, _ length: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var position = offset
        while out.count < length {
            let sector = position / 512
            let within = Int(position % 512)
            let count = min(512 - within, length - out.count)
            if let data = sectors[sector] {
                out += data[within..<within + count]
            } else {
                out += repeatElement(0, count: count)
            }
            position += UInt64(count)
        }
        return out
    }

    /// Total bytes written.
    var bytesWritten: Int { writeLog.reduce(0) { $0 + $1.count } }
}

/// Writes into a (sparse) file through a FileHandle. Test-only: the FAT32 module itself does no I/O.
struct FileSink: BlockSink {
    let handle: FileHandle
    /// Subtracted from every offset; writes that start before it are dropped. Lets an MBR layout's partition be
    /// written to a file of its own, which `fsck.fat` (no offset option) can check.
    var shift: UInt64 = 0

    mutating func write(_ bytes: [UInt8], at offset: UInt64) {
        guard offset >= shift else { return }
        try! handle.seek(toOffset: offset - shift)
        handle.write(Data(bytes))
    }
}

/// A sparse file of `size` bytes in a fresh temporary directory; removed by `cleanUp()`.
struct ScratchImage {
    let directory: URL
    let url: URL
    var path: String { url.path }

    init(name: String, size: UInt64) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fat32tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: size)
        try handle.close()
    }

    func withSink<R>(shift: UInt64 = 0, _ body: (inout FileSink) throws -> R) throws -> R {
        let handle = try FileHandle(forUpdating: url)
        defer { try? handle.close() }
        var sink = FileSink(handle: handle, shift: shift)
        return try body(&sink)
    }

    func read(_ offset: UInt64, _ length: Int) -> [UInt8] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return [UInt8]((try? handle.read(upToCount: length)) ?? Data())
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}
