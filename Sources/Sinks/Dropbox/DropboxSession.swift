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

    static func load(_ file: String) -> DropboxSession? { SinkStateFile.load(DropboxSession.self, from: file) }

    func save(_ file: String) throws(SinkError) { try SinkStateFile.save(self, to: file, what: "the upload session") }
}
