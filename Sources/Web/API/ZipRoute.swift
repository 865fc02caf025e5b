import Catalog
import HTTPTypes
import Hummingbird
import NIOCore

extension WebServer {
    /// Streams `rows` as `NAME.zip` while it is built: each file read once from its store, its CRC computed on the
    /// way, nothing written to the SD card. Every file is opened first, so its length (and the zip's) is fixed.
    func zip(name: String, rows: [ClipRecord]) throws -> Response {
        var readers: [any ClipReader] = []
        var entries: [ZipStream.Entry] = []
        for row in rows {
            guard let reader = try? clips.open(row) else { continue }
            readers.append(reader)
            let file = row.path.split(separator: "/").last.map(String.init) ?? "file"
            entries.append(ZipStream.Entry(name: name + "/" + file, size: reader.length,
                                           modified: row.clipTime ?? row.completedAt ?? row.updatedAt))
        }
        guard !entries.isEmpty else { throw WebError(.notFound, "nothing of this event is left in the archive") }
        let zip = ZipStream(entries: entries)
        let opened = readers
        let length = zip.length
        let headers: HTTPFields = [
            .contentType: "application/zip", .contentLength: "\(length)", .cacheControl: "no-store",
            .contentDisposition: "attachment; filename=\"\(Self.downloadName(name)).zip\"",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(length)) { writer in
            var crcs: [UInt32] = []
            for (index, reader) in opened.enumerated() {
                try await writer.write(ByteBuffer(bytes: zip.localHeader(index)))
                var crc = CRC32()
                var offset: UInt64 = 0
                let size = zip.entries[index].size
                while offset < size {
                    let count = Int(min(UInt64(Self.chunkSize), size - offset))
                    var bytes = try reader.read(at: offset, count: count)
                    if bytes.count < count { bytes += [UInt8](repeating: 0, count: count - bytes.count) }
                    crc.update(bytes)
                    try await writer.write(ByteBuffer(bytes: bytes))
                    offset += UInt64(count)
                }
                crcs.append(crc.value)
                try await writer.write(ByteBuffer(bytes: zip.descriptor(index, crc: crc.value)))
            }
            try await writer.write(ByteBuffer(bytes: zip.centralDirectory(crcs: crcs)))
            try await writer.finish(nil)
        })
    }
}
