import Foundation
import Sinks
import SigV4
import Testing

/// moto's S3 on loopback with SigV4 authentication on (scripts/peers/s3-server.py), and boto3 as the independent
/// client that downloads and hashes what arrived (scripts/peers/s3-hashes.py).
final class S3Peer {
    let server: PeerProcess
    let port: Int
    let bucket: String
    let accessKeyId: String
    let secretAccessKey: String
    var endpoint: String { "http://127.0.0.1:\(port)" }

    static var available: Bool {
        (try? run("/usr/bin/env", ["python3", "-c", "import moto.server, boto3, flask"]).status) == 0
    }

    init(bucket: String = "teslacam-test", port: Int? = nil) throws {
        self.bucket = bucket
        server = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/s3-server.py", bucket]
                                 + (port.map { ["\($0)"] } ?? []))
        let info = (try? JSONSerialization.jsonObject(with: Data(server.firstLine.utf8))) as? [String: Any] ?? [:]
        guard let port = info["port"] as? Int, let key = info["accessKeyId"] as? String,
              let secret = info["secretAccessKey"] as? String else {
            throw PeerFailure(what: "s3-server.py did not start: \(server.firstLine)")
        }
        self.port = port
        accessKeyId = key
        secretAccessKey = secret
    }

    var credentials: SigV4Credentials { SigV4Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey) }

    struct Listing {
        /// Key → sha256, size and ETag as boto3 downloaded them.
        var objects: [String: (sha256: String, size: Int, etag: String)]
        /// Keys of multipart uploads still open.
        var openUploads: [String]
    }

    func listing() throws -> Listing {
        let result = try run("/usr/bin/env", ["python3", peersDirectory + "/s3-hashes.py", endpoint, bucket,
                                              accessKeyId, secretAccessKey])
        guard result.status == 0, let line = result.output.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let objects = json["objects"] as? [String: [String: Any]] else {
            throw PeerFailure(what: "s3-hashes.py failed: \(result.output)")
        }
        return Listing(objects: objects.mapValues { ($0["sha256"] as! String, $0["size"] as! Int, $0["etag"] as! String) },
                       openUploads: json["uploads"] as? [String] ?? [])
    }

    func stop() { server.stop() }
}

struct PeerFailure: Error, CustomStringConvertible {
    var what: String
    var description: String { what }
}
