import Foundation
import Glibc
import Outbound
import SigV4

/// Uploads to a WebDAV share. A file is PUT under a temporary name (`.teslacam-partial`), then MOVEd into place,
/// so the share never shows half a clip under its real name; missing folders are made with MKCOL. The copy is
/// verified by reading it back (GET, hashed on the way: WebDAV has no standard checksum), and a copy already
/// there with the same size and sha256 is recognised, not sent again. A full share (507) is a transient "remote
/// full" state: the job waits and goes once space is freed. Alerts become `teslacam-alerts/<time>-<n>.json`.
public struct WebDAVSink: Sink {
    public let name: String
    public var type: String { "webdav" }
    public var peer: PeerAddress? { PeerAddress(url: client.base) }
    let client: WebDAVClient
    public let prefix: String

    public init(name: String, url: String, user: String? = nil, password: String? = nil, prefix: String = "") {
        self.name = name
        client = WebDAVClient(base: url.hasSuffix("/") ? String(url.dropLast()) : url, user: user, password: password)
        self.prefix = prefix
    }

    static let partialSuffix = ".teslacam-partial"

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        switch record.content {
        case let .file(_, source, remoteName, sha256, size):
            try upload(source: source, remote: remoteName, sha256: sha256, size: size, transfer: transfer)
        case let .message(text):
            let body = Array(text.utf8)
            let remote = RemoteName.of(archivePath: "teslacam-alerts/\(Int(Date().timeIntervalSince1970 * 1000))-"
                                       + "\(SigV4Request.payloadHash(of: body).prefix(12)).json", prefix: prefix)
            try put(HTTPRequest.Upload(bytes: body, pace: transfer.pace), to: remote)
        }
    }

    public func check() throws(SinkError) {
        let remote = RemoteName.of(archivePath: ".teslacam-test-\(getpid())", prefix: prefix)
        let body = Array("teslacam sinks test\n".utf8)
        try put(HTTPRequest.Upload(bytes: body, pace: { _ in }), to: remote)
        guard try remoteDigest(remote)?.sha256 == SigV4Request.payloadHash(of: body) else {
            throw .permanent("\(client.shown) did not return the test file as written")
        }
        let removed = try client.send("DELETE", url: client.url(remote))
        if let failure = client.failure(removed, doing: "removing the test file") { throw failure }
    }

    private func upload(source: String, remote: String, sha256: String, size: Int64, transfer: Transfer) throws(SinkError) {
        if let existing = try remoteDigest(remote, expectedSize: size), existing.size == size, existing.sha256 == sha256 {
            return
        }
        let fd = try FileDigest.openForReading(source)
        defer { close(fd) }
        try transfer.waitUntilAllowed()
        var hasher = IncrementalSHA256()
        let body = HTTPRequest.Upload(size: Int(size), pace: transfer.pace) { buffer, offset throws(SinkError) in
            while true {
                let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw .transient("cannot read \(source): \(String(cString: strerror(errno)))") }
                hasher.update(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n])))
                return n
            }
        }
        let temporary = remote + Self.partialSuffix
        try put(body, to: temporary)
        guard hasher.hex == sha256 else {
            _ = try? client.send("DELETE", url: client.url(temporary))
            throw .transient("\(source) changed while it was uploaded (the car rewrote it); it goes again once complete")
        }
        let moved = try client.send("MOVE", url: client.url(temporary),
                                    headers: ["Destination: \(client.url(remote))", "Overwrite: T"])
        if let failure = client.failure(moved, doing: "moving \(temporary) into place") { throw failure }
        guard let copy = try remoteDigest(remote, expectedSize: size), copy.size == size, copy.sha256 == sha256 else {
            throw .transient("the copy of \(remote) on \(client.shown) does not read back the same (size or sha256 differ)")
        }
    }

    /// PUT, the folders above it made first: some servers (nginx) read a whole body before saying its folder
    /// is missing, so asking afterwards would send every event's first clip twice.
    private func put(_ body: HTTPRequest.Upload, to remote: String) throws(SinkError) {
        try makeFolders(above: remote)
        let response = try client.send("PUT", url: client.url(remote), headers: ["Content-Type: application/octet-stream"],
                                       upload: body, timeout: 0)
        if let failure = client.failure(response, doing: "uploading \(remote)") { throw failure }
    }

    /// MKCOL from the top down; a folder already there answers 405 (or 301 on some servers), which is fine.
    private func makeFolders(above remote: String) throws(SinkError) {
        let parts = remote.split(separator: "/").dropLast()
        var path = ""
        for part in parts {
            path += (path.isEmpty ? "" : "/") + part
            let response = try client.send("MKCOL", url: client.url(path, folder: true))
            if response.status == 405 || response.status == 301 { continue }
            if let failure = client.failure(response, doing: "making the folder \(path)") { throw failure }
        }
    }

    /// Size and sha256 of the remote file read back, or nil when it is not there (or not of `expectedSize`, which a
    /// HEAD tells without downloading).
    private func remoteDigest(_ remote: String, expectedSize: Int64? = nil) throws(SinkError) -> (size: Int64, sha256: String)? {
        if let expectedSize {
            let head = try client.send("HEAD", url: client.url(remote))
            if head.status == 404 { return nil }
            if let failure = client.failure(head, doing: "looking up \(remote)") { throw failure }
            if let length = head.headers["content-length"].flatMap({ Int64($0) }), length != expectedSize { return nil }
        }
        var hasher = IncrementalSHA256()
        var count: Int64 = 0
        let response = try client.send("GET", url: client.url(remote), receive: { piece in
            hasher.update(Array(piece))
            count += Int64(piece.count)
        }, timeout: 0)
        if response.status == 404 { return nil }
        if let failure = client.failure(response, doing: "reading \(remote) back") { throw failure }
        return (count, hasher.hex)
    }
}
