import Crypto
import FileIO
import Foundation
import Outbound

/// A resumable upload's state kept beside the daemon's state (an S3 multipart upload, a Dropbox session): JSON,
/// replaced atomically through FileIO's `writeAtomically`, so a power cut leaves the old state or the new one.
/// Losing it only costs sending the bytes again.
enum SinkStateFile {
    /// `<directory>/<sha256 hex of identity>.json`: one file per upload, named from what the upload carries (the
    /// object and its content), so a rewritten file starts its own upload.
    static func path(in directory: String, for identity: String) -> String {
        directory + "/" + SHA256.hash(data: Data(identity.utf8)).map { String(format: "%02x", $0) }.joined() + ".json"
    }

    static func load<State: Decodable>(_ type: State.Type, from path: String) -> State? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// `what` names the state in the error a user reads ("the multipart upload's state").
    static func save<State: Encodable>(_ state: State, to path: String, what: String) throws(SinkError) {
        let files = SystemFileSystem()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(state) else { throw .transient("cannot encode \(what)") }
        do {
            try files.makeDirectories(parentDirectory(of: path))
            try files.writeAtomically(Array(data), to: path)
        } catch {
            throw .transient("cannot save \(what): \(error)")
        }
    }
}
