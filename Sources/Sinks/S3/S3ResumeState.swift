import Glibc
import Outbound

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
        SinkStateFile.path(in: directory, for: "\(key)\n\(sha256)")
    }

    static func load(_ path: String) -> S3ResumeState? { SinkStateFile.load(S3ResumeState.self, from: path) }

    func save(_ path: String) throws(SinkError) { try SinkStateFile.save(self, to: path, what: "the multipart upload's state") }

    static func remove(_ path: String) { unlink(path) }
}
