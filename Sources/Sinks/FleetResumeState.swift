import Glibc
import Outbound

/// A tus upload to the fleet server under way, kept beside the state so a delivery that gave up (the queue's
/// backoff took over) or a restarted daemon asks the server where the upload stands (`HEAD`) and sends only the
/// rest, rather than creating a new upload and sending the whole file again. One file per (sink, path, content);
/// removed on the server's ack. Losing it only costs sending the bytes again.
struct FleetResumeState: Codable, Equatable {
    var archivePath: String
    var sha256: String
    var size: Int64
    /// The upload's absolute URL, as the server's `Location` named it.
    var url: String

    /// `<directory>/<sha256 of path and content>.json`: a rewritten file (new sha256) starts its own upload.
    static func file(in directory: String, archivePath: String, sha256: String) -> String {
        SinkStateFile.path(in: directory, for: "\(archivePath)\n\(sha256)")
    }

    static func load(_ path: String) -> FleetResumeState? { SinkStateFile.load(FleetResumeState.self, from: path) }

    func save(_ path: String) throws(SinkError) { try SinkStateFile.save(self, to: path, what: "the fleet upload's state") }

    static func remove(_ path: String) { unlink(path) }
}
