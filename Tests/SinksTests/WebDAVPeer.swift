import Foundation
import LoopbackPeers
import Testing

/// A WebDAV share on loopback with basic authentication, served by WsgiDAV (scripts/peers/webdav-server.py, with
/// a quota that answers 507) or by Debian's nginx with its dav and dav-ext modules.
final class WebDAVPeer {
    enum Server: String, CaseIterable, CustomStringConvertible {
        case wsgidav, nginx
        var description: String { rawValue }

        var available: Bool {
            switch self {
            case .wsgidav: (try? run("/usr/bin/env", ["python3", "-c", "import wsgidav, cheroot"]).status) == 0
            case .nginx:
                FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx")
                    && FileManager.default.fileExists(atPath: "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so")
                    && getuid() == 0
            }
        }
    }

    static var rcloneAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/rclone") }

    let kind: Server
    let scratch = Scratch("webdav")
    let user = "tesla"
    let password: String
    private(set) var port: Int
    private var process: Process?
    private var peer: PeerProcess?
    var root: String { scratch.path + "/root" }
    var quotaFile: String { scratch.path + "/quota" }
    var url: String { "http://127.0.0.1:\(port)/share" }

    /// `quota`: bytes the share may hold (wsgidav only); nil for no limit.
    init(_ kind: Server, quota: Int? = nil, port: Int? = nil, password: String? = nil) throws {
        self.kind = kind
        self.password = password ?? "dav-pass-\(UInt32.random(in: 0...UInt32.max))"
        self.port = port ?? 0
        try FileManager.default.createDirectory(atPath: root + "/share", withIntermediateDirectories: true)
        if let quota { try setQuota(quota) }
        try start(quota: quota != nil)
    }

    func setQuota(_ bytes: Int) throws { try "\(bytes)\n".write(toFile: quotaFile, atomically: true, encoding: .utf8) }

    private func start(quota: Bool) throws {
        switch kind {
        case .wsgidav:
            var arguments = ["WEBDAV_PORT=\(port)", "python3", peersDirectory + "/webdav-server.py", root, user, password]
            if quota { arguments.append(quotaFile) }
            peer = try PeerProcess("/usr/bin/env", arguments)
            port = peer!.port
        case .nginx:
            if port == 0 { port = freePort() }
            let dir = scratch.path
            try FileManager.default.createDirectory(atPath: dir + "/body", withIntermediateDirectories: true)
            try "\(user):{PLAIN}\(password)\n".write(toFile: dir + "/htpasswd", atomically: true, encoding: .utf8)
            try """
                daemon off;
                user root;
                worker_processes 1;
                pid \(dir)/nginx.pid;
                error_log \(dir)/error.log;
                load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(dir)/body;
                    client_max_body_size 0;
                    server {
                        listen 127.0.0.1:\(port);
                        root \(root);
                        location /share/ {
                            dav_methods PUT DELETE MKCOL COPY MOVE;
                            dav_ext_methods PROPFIND OPTIONS;
                            dav_access user:rw group:r all:r;
                            auth_basic "teslacam";
                            auth_basic_user_file \(dir)/htpasswd;
                        }
                    }
                }

                """.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
            let nginx = Process()
            nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            nginx.arguments = ["-c", dir + "/nginx.conf", "-p", dir, "-e", dir + "/error.log"]
            nginx.standardOutput = FileHandle.nullDevice
            nginx.standardError = FileHandle.nullDevice
            try nginx.run()
            process = nginx
            for _ in 0..<200 {
                if canConnect(port) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            Issue.record("nginx did not start: \((try? String(contentsOfFile: dir + "/error.log", encoding: .utf8)) ?? "")")
        }
    }

    func stop() {
        peer?.stop()
        if let process, process.isRunning {
            // The master ends its worker on SIGQUIT/SIGTERM.
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// `rclone check` (an independent WebDAV client) of a local folder against the share's, downloading each file.
    func rcloneCheck(local: String, remote: String) throws -> (status: Int32, output: String) {
        let obscured = try run("/usr/bin/rclone", ["obscure", password]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        return try run("/usr/bin/env", [
            "RCLONE_CONFIG_DAV_TYPE=webdav", "RCLONE_CONFIG_DAV_URL=\(url)", "RCLONE_CONFIG_DAV_VENDOR=other",
            "RCLONE_CONFIG_DAV_USER=\(user)", "RCLONE_CONFIG_DAV_PASS=\(obscured)", "HOME=\(scratch.path)",
            "/usr/bin/rclone", "check", local, "dav:\(remote)", "--download", "--config", "/dev/null",
        ])
    }
}

func canConnect(_ port: Int) -> Bool { Loopback.accepts(port) }
