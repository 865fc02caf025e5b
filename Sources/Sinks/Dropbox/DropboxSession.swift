import Foundation
import Glibc
import Outbound
import SigV4

/// An upload session under way, kept beside the state: its id and the offset Dropbox acknowledged, so a cut
/// connection or a restart appends from there (and Dropbox's `correct_offset` settles any doubt).
struct DropboxSession: Codable, Equatable {
    var path: String
    var sha256: String
    var size: Int64
    var sessionId: String
    var offset: Int64

    static func file(in directory: String, path: String, sha256: String) -> String {
        directory + "/dropbox-" + SigV4Request.payloadHash(of: Array("\(path)\n\(sha256)".utf8)) + ".json"
    }

    static func load(_ file: String) -> DropboxSession? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try? JSONDecoder().decode(DropboxSession.self, from: data)
    }

    /// Temporary name, fsync, rename.
    func save(_ file: String) throws(SinkError) {
        let directory = (file as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let data = try? JSONEncoder().encode(self) else { throw .transient("cannot encode the upload session") }
        let temporary = file + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .transient("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, file) == 0 else {
            unlink(temporary)
            throw .transient("cannot write \(file): \(String(cString: strerror(errno)))")
        }
    }
}
