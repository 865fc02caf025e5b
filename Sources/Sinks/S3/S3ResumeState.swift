import Foundation
import Glibc
import Outbound
import SigV4

/// A multipart upload under way, kept beside the state so a cut connection or a restart goes on from the next
/// part: which upload, and the ETag of every part the bucket acknowledged. One file per (sink, object, content);
/// removed once the object is complete. Losing it only costs sending the parts again.
struct S3ResumeState: Codable, Equatable {
    var key: String
    var sha256: String
    var size: Int64
    var partSize: Int
    var uploadId: String
    /// Part number → ETag (unquoted), as the bucket answered.
    var parts: [Int: String]

    /// `<directory>/<sha256 of key and content>.json`: a name from the object, not the archive path alone, so a
    /// rewritten file starts its own upload.
    static func file(in directory: String, key: String, sha256: String) -> String {
        directory + "/" + SigV4Request.payloadHash(of: Array("\(key)\n\(sha256)".utf8)) + ".json"
    }

    static func load(_ path: String) -> S3ResumeState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(S3ResumeState.self, from: data)
    }

    /// Written to a temporary name, synced, renamed: a power cut leaves the old state or the new one.
    func save(_ path: String) throws(SinkError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .transient("cannot create \(directory) for the multipart upload's state: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(self) else { throw .transient("cannot encode the multipart upload's state") }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .transient("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .transient("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) { unlink(path) }
}
