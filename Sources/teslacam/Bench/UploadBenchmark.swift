import Crypto
import Foundation
import LoopbackPeers
import Outbound
import SigV4
import Sinks

/// `teslacam bench upload`: each sink type on loopback against a reference client moving the same files in the
/// same run (cp + sync, rsync, boto3, curl -T, curl to the Dropbox stand-in), then how close a bandwidth limit holds.
struct UploadBenchmark {
    var directory: String
    var peers: String
    var files: Int
    var fileBytes: Int
    var limit: Double
    var types: [String]

    struct Row {
        var type: String
        var ours: Double
        var reference: Double
        var oursCPU: Double
        /// The reference client's CPU (its processes, reaped here); a loopback server's own is in neither.
        var referenceCPU: Double
        var referenceName: String
    }

    func run() throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/archive", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sources = try makeFiles()
        let total = Double(files * fileBytes)
        print("teslacam bench upload: \(files) files of \(fileBytes >> 20) MiB per sink type, loopback; dir \(directory)")
        print(pad("sink", 9) + pad("ours MiB/s", 12) + pad("reference MiB/s", 17) + pad("ratio", 7) + pad("our CPU s/GiB", 15) + pad("ref CPU s/GiB", 15) + "reference")
        for type in types {
            let row = try measure(type, sources: sources)
            print(pad(type, 9) + pad(String(format: "%.1f", total / row.ours / 1_048_576), 12)
                  + pad(String(format: "%.1f", total / row.reference / 1_048_576), 17)
                  + pad(String(format: "%.2f", row.reference / row.ours), 7)
                  + pad(String(format: "%.2f", row.oursCPU / (total / 1_073_741_824)), 15)
                  + pad(String(format: "%.2f", row.referenceCPU / (total / 1_073_741_824)), 15) + row.referenceName)
        }
        try measureLimit(sources: sources)
    }

    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }

    private func makeFiles() throws -> [(path: String, sha256: String)] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return try (0..<files).map { index in
            var bytes = [UInt8](repeating: 0, count: fileBytes)
            bytes.withUnsafeMutableBytes { raw in
                for i in stride(from: 0, to: raw.count - 7, by: 8) {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    raw.storeBytes(of: state, toByteOffset: i, as: UInt64.self)
                }
            }
            let path = "TeslaCam/RecentClips/2026-12-01_10-\(String(format: "%02d", index))-00-front.mp4"
            let full = directory + "/archive/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: full))
            return (path, SigV4Encoding.hex(SHA256.hash(data: bytes)))
        }
    }

    private func deliverAll(_ sink: any Sink, _ sources: [(path: String, sha256: String)], prefix: String,
                            bytesPerSecond: Double? = nil) throws -> (seconds: Double, cpu: Double) {
        let limit = bytesPerSecond.map(Throttle.limit)
        // The sink's own children (rsync and ssh) are reaped by it, so theirs count too.
        let cpuBefore = cpuSeconds() + cpuSeconds(children: true)
        let seconds = try teslacam.measure {
            for source in sources {
                let record = OutgoingRecord(kind: .recent, content: .file(
                    archivePath: source.path, source: directory + "/archive/" + source.path,
                    remoteName: RemoteName.of(archivePath: source.path, prefix: prefix), sha256: source.sha256,
                    size: Int64(fileBytes)))
                do {
                    try sink.deliver(record, transfer: Transfer(sinkLimit: limit, throttle: .unlimited))
                } catch {
                    throw BenchError("\(sink.type): \(error)")
                }
            }
        }
        return (seconds, cpuSeconds() + cpuSeconds(children: true) - cpuBefore)
    }

    /// CPU seconds of the detached ssh masters the rsync sink shares (their title: `ssh: /tmp/teslacam-ssh-… [mux]`).
    static func detachedSSHMasterCPU() -> Double {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap { Int32($0) }.reduce(0.0) { total, pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: raw, as: UTF8.self).hasPrefix("ssh: /tmp/teslacam-ssh-") else { return total }
            return total + CPUBenchmark.processCPU(pid)
        }
    }

    /// Wall seconds and CPU seconds of a reference client: the children it ran, all reaped before it returns.
    private func measureReference(_ body: () throws -> Void) throws -> (seconds: Double, cpu: Double) {
        let before = cpuSeconds(children: true)
        let seconds = try teslacam.measure(body)
        return (seconds, cpuSeconds(children: true) - before)
    }

    private func measure(_ type: String, sources: [(path: String, sha256: String)]) throws -> Row {
        let local = sources.map { directory + "/archive/" + $0.path }
        switch type {
        case "folder":
            let root = directory + "/folder"
            try FileManager.default.createDirectory(atPath: root + "/ref", withIntermediateDirectories: true)
            let ours = try deliverAll(FolderSink(name: "b", root: root), sources, prefix: "ours")
            let reference = try measureReference {
                for (i, file) in local.enumerated() {
                    try runReference(["cp", file, root + "/ref/\(i).mp4"])
                    try runReference(["sync", root + "/ref/\(i).mp4"])
                }
            }
            return Row(type: type, ours: ours.seconds, reference: reference.seconds, oursCPU: ours.cpu, referenceCPU: reference.cpu, referenceName: "cp + sync")
        case "rsync":
            let server = try ThrowawaySSHServer(directory: directory + "/sshd")
            try server.start()
            defer { server.stop() }
            let sink = RsyncSink(name: "b", host: "127.0.0.1", port: server.port, user: server.user, path: server.remoteRoot,
                                 identityFile: server.userKey, knownHostsFile: server.knownHosts)
            // ssh's shared connection runs detached (not our child, so not in our CPU): its share, encryption
            // included, is read from /proc while it waits for its next command.
            let mastersBefore = Self.detachedSSHMasterCPU()
            var ours = try deliverAll(sink, sources, prefix: "ours")
            ours.cpu += Self.detachedSSHMasterCPU() - mastersBefore
            // What an owner would type: one rsync per file over the same ssh, without the sink's checks.
            let shell = "ssh -p \(server.port) -i \(server.userKey) -o IdentitiesOnly=yes -o BatchMode=yes "
                + "-o UserKnownHostsFile=\(server.knownHosts) -o StrictHostKeyChecking=yes"
            let reference = try measureReference {
                for (i, file) in local.enumerated() {
                    try runReference(["rsync", "--partial", "--times", "-e", shell, "--", file,
                                      "\(server.user)@127.0.0.1:\(server.remoteRoot)/ref-\(i).mp4"])
                }
            }
            return Row(type: type, ours: ours.seconds, reference: reference.seconds, oursCPU: ours.cpu, referenceCPU: reference.cpu,
                       referenceName: "rsync -e ssh per file (ours: one shared ssh connection; sha256sum on the peer before and after each)")
        case "s3":
            let peer = try BenchPeer(["python3", peers + "/s3-server.py", "bench"])
            defer { peer.stop() }
            guard let info = try JSONSerialization.jsonObject(with: Data(peer.firstLine.utf8)) as? [String: Any],
                  let port = info["port"] as? Int, let key = info["accessKeyId"] as? String,
                  let secret = info["secretAccessKey"] as? String else { throw BenchError("s3-server.py: \(peer.firstLine)") }
            let endpoint = "http://127.0.0.1:\(port)"
            let sink = S3Sink(name: "b", endpoint: endpoint, bucket: "bench", region: "eu-west-1",
                              credentials: SigV4Credentials(accessKeyId: key, secretAccessKey: secret),
                              resumeDirectory: directory + "/s3-state")
            let ours = try deliverAll(sink, sources, prefix: "ours")
            let script = """
                import sys, boto3
                from boto3.s3.transfer import TransferConfig
                s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="eu-west-1",
                                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
                config = TransferConfig(multipart_chunksize=8 << 20, max_concurrency=1)
                for i, path in enumerate(sys.argv[4:]):
                    s3.upload_file(path, "bench", f"ref/{i}.mp4", Config=config)
                """
            let reference = try measureReference { try runReference(["python3", "-c", script, endpoint, key, secret] + local) }
            return Row(type: type, ours: ours.seconds, reference: reference.seconds, oursCPU: ours.cpu, referenceCPU: reference.cpu,
                       referenceName: "boto3 upload_file (8 MiB parts, one at a time; includes Python's start)")
        case "webdav":
            let root = directory + "/dav"
            try FileManager.default.createDirectory(atPath: root + "/share", withIntermediateDirectories: true)
            let peer = try BenchPeer(["python3", peers + "/webdav-server.py", root, "bench", "bench"])
            defer { peer.stop() }
            let url = "http://127.0.0.1:\(peer.firstLine)"
            let ours = try deliverAll(WebDAVSink(name: "b", url: url + "/share", user: "bench", password: "bench"), sources,
                                      prefix: "ours")
            let reference = try measureReference {
                for (i, file) in local.enumerated() {
                    try runReference(["curl", "-sf", "-u", "bench:bench", "-T", file, url + "/share/ref-\(i).mp4"])
                }
            }
            return Row(type: type, ours: ours.seconds, reference: reference.seconds, oursCPU: ours.cpu, referenceCPU: reference.cpu,
                       referenceName: "curl -T (WsgiDAV; ours also MOVEs and reads each file back to verify)")
        case "dropbox":
            let root = directory + "/dropbox"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let peer = try BenchPeer(["python3", peers + "/dropbox-standin.py", root, "bench-app", "bench-refresh"])
            defer { peer.stop() }
            let url = "http://127.0.0.1:\(peer.firstLine)"
            let sink = DropboxSink(name: "b", appKey: "bench-app", refreshToken: "bench-refresh", apiURL: url, contentURL: url,
                                   resumeDirectory: directory + "/dropbox-state")
            let ours = try deliverAll(sink, sources, prefix: "ours")
            let tokenFile = directory + "/dropbox-token.json"
            let reference = try measureReference {
                try runReference(["curl", "-sf", "-o", tokenFile, "-d",
                                  "grant_type=refresh_token&refresh_token=bench-refresh&client_id=bench-app", url + "/oauth2/token"])
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenFile))) as? [String: Any]
                let token = json?["access_token"] as? String ?? ""
                for (i, file) in local.enumerated() {
                    try runReference(["curl", "-sf", "-o", "/dev/null", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                                      "-H", "Content-Type: application/octet-stream",
                                      "-H", #"Dropbox-API-Arg: {"path":"/ref/\#(i).mp4","mode":"overwrite"}"#,
                                      "--data-binary", "@" + file, url + "/2/files/upload"])
                }
            }
            return Row(type: type, ours: ours.seconds, reference: reference.seconds, oursCPU: ours.cpu, referenceCPU: reference.cpu,
                       referenceName: "curl files/upload (one request per file; ours uses 8 MiB sessions)")
        default:
            throw BenchError("unknown sink type \(type): use folder, rsync, s3, webdav, dropbox")
        }
    }

    /// One pass through the folder sink under a per-sink limit: the rate achieved against the limit.
    private func measureLimit(sources: [(path: String, sha256: String)]) throws {
        let root = directory + "/limited"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let result = try deliverAll(FolderSink(name: "b", root: root), sources, prefix: "", bytesPerSecond: limit)
        let rate = Double(files * fileBytes) / result.seconds
        print(String(format: "bandwidth limit %.1f MiB/s (folder sink): achieved %.2f MiB/s, %+.1f %%",
                     limit / 1_048_576, rate / 1_048_576, (rate / limit - 1) * 100))
    }
}
