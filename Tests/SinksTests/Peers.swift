import Foundation
import LoopbackPeers
import Testing

/// The repository's scripts/peers, where the tests' own servers live.
let peersDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/peers").path

/// A server process the test started; ended by its own id when the value goes away.
final class PeerProcess {
    let process: Process
    let output: Pipe
    /// The first line the peer printed (the port it listens on).
    let firstLine: String

    init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0a { break }
            line.append(byte.first!)
        }
        firstLine = String(decoding: line, as: UTF8.self)
    }

    var port: Int { Int(firstLine) ?? 0 }

    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        // Reaped here, not by waitUntilExit: Foundation's exit monitor was seen to leave the killed peer a zombie
        // and waitUntilExit never returned (the rsync suite hung at the cut proxy's end). ECHILD: already reaped.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    deinit { stop() }
}

// Shared with the ingest tests and `teslacam-ingest bench` (LoopbackPeers).
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) { try Loopback.run(executable, arguments) }

func freePort() -> Int { Loopback.freePort() }

/// Python's http.server recording each POST (scripts/peers/webhook-server.py), answering `statuses` in turn.
final class WebhookPeer {
    let scratch = Scratch("webhook")
    let server: PeerProcess
    var log: String { scratch.path + "/posts.jsonl" }
    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    init(statuses: [String] = ["200"]) throws {
        server = try PeerProcess("/usr/bin/env", ["python3", peersDirectory + "/webhook-server.py", scratch.path + "/posts.jsonl"]
                                 + statuses)
    }

    /// Every request received: status answered, Authorization header, body as JSON.
    var posts: [(status: Int, authorization: String?, body: [String: Any])] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let status = entry["status"] as? Int, let body = entry["body"] as? String,
                  let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
            return (status, entry["authorization"] as? String, json)
        }
    }
}

/// sshd + rsync on loopback (LoopbackPeers), in a scratch directory of its own.
typealias SSHPeer = ThrowawaySSHServer

extension ThrowawaySSHServer {
    convenience init() throws {
        try self.init(directory: NSTemporaryDirectory() + "teslacam-sshd-\(UUID().uuidString)", removeWhenDone: true)
    }
}
