import Foundation
import Glibc
import Outbound
import SigV4

/// Uploads to Dropbox (or anything speaking its HTTP API v2). A file up to `chunkSize` goes in one
/// `files/upload`; a larger one through an upload session (start, append_v2, finish) whose id and acknowledged
/// offset are kept in `resumeDirectory`, so a cut or a restart goes on from there; an `incorrect_offset` answer
/// moves to Dropbox's `correct_offset`. A delivery is verified by the `content_hash` and size Dropbox reports;
/// a file already there with the same hash is recognised and not sent again. Paths are `/<prefix>/<archive path>`.
public struct DropboxSink: Sink {
    public let name: String
    public var type: String { "dropbox" }
    public var peer: PeerAddress? { PeerAddress(url: client.apiURL) }
    let client: DropboxClient
    public let prefix: String
    public let chunkSize: Int
    public let resumeDirectory: String

    public static let defaultChunkSize = 8 << 20

    public init(name: String, appKey: String, appSecret: String? = nil, refreshToken: String, prefix: String = "",
                apiURL: String = "https://api.dropboxapi.com", contentURL: String = "https://content.dropboxapi.com",
                tokenURL: String? = nil, chunkSize: Int = DropboxSink.defaultChunkSize, resumeDirectory: String) {
        self.init(name: name, appKey: appKey, appSecret: appSecret, refreshTokenFrom: .value(refreshToken), prefix: prefix,
                  apiURL: apiURL, contentURL: contentURL, tokenURL: tokenURL, chunkSize: chunkSize,
                  resumeDirectory: resumeDirectory)
    }

    public init(name: String, appKey: String, appSecret: String? = nil, refreshTokenFrom refreshToken: DropboxRefreshToken,
                prefix: String = "", apiURL: String = "https://api.dropboxapi.com",
                contentURL: String = "https://content.dropboxapi.com", tokenURL: String? = nil,
                chunkSize: Int = DropboxSink.defaultChunkSize, resumeDirectory: String) {
        self.name = name
        client = DropboxClient(apiURL: apiURL, contentURL: contentURL, tokenURL: tokenURL ?? apiURL + "/oauth2/token",
                               appKey: appKey, appSecret: appSecret, refreshToken: refreshToken)
        self.prefix = prefix
        // Dropbox wants appended chunks in multiples of 4 MiB.
        self.chunkSize = max(1, chunkSize / DropboxContentHash.blockSize) * DropboxContentHash.blockSize
        self.resumeDirectory = resumeDirectory
    }

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        switch record.content {
        case let .file(_, source, remoteName, sha256, size):
            try upload(source: source, path: "/" + remoteName, sha256: sha256, size: size, transfer: transfer)
        case let .message(text):
            let body = Array(text.utf8)
            let path = "/" + RemoteName.of(archivePath: "teslacam-alerts/\(Int(Date().timeIntervalSince1970 * 1000))-"
                                           + "\(SigV4Request.payloadHash(of: body).prefix(12)).json", prefix: prefix)
            let response = try client.content("/2/files/upload", commit(path),
                                              body: HTTPRequest.Upload(bytes: body, pace: transfer.pace))
            if let failure = failure(response, doing: "uploading \(path)") { throw failure }
        }
    }

    public func check() throws(SinkError) {
        let path = "/" + RemoteName.of(archivePath: ".teslacam-test-\(getpid())", prefix: prefix)
        let body = Array("teslacam sinks test\n".utf8)
        let response = try client.content("/2/files/upload", commit(path), body: HTTPRequest.Upload(bytes: body, pace: { _ in }))
        if let failure = failure(response, doing: "uploading a test file") { throw failure }
        var hash = DropboxContentHash()
        body.withUnsafeBytes { hash.update($0) }
        guard response.json?["content_hash"] as? String == hash.hex else {
            throw .permanent("Dropbox did not store the test file as sent")
        }
        let removed = try client.rpc("/2/files/delete_v2", ["path": path])
        if let failure = failure(removed, doing: "removing the test file") { throw failure }
    }

    // MARK: - Files

    private func upload(source: String, path: String, sha256: String, size: Int64, transfer: Transfer) throws(SinkError) {
        let fd = try FileDigest.openForReading(source)
        defer { close(fd) }
        // One local pass for both hashes: the job's sha256 (the file is still what was queued) and Dropbox's.
        var hash = DropboxContentHash()
        let read = try FileDigest.read(fd: fd, path: source) { (piece: UnsafeRawBufferPointer) throws(SinkError) in hash.update(piece) }
        guard read.size == size, read.sha256 == sha256 else { throw Self.changed(source) }
        let contentHash = hash.hex
        if try remoteMatches(path, contentHash: contentHash, size: size) { return }
        try transfer.waitUntilAllowed()
        let stored: DropboxClient.Response
        if size <= Int64(chunkSize) {
            stored = try client.content("/2/files/upload", commit(path),
                                        body: piece(fd, source, at: 0, count: Int(size), transfer: transfer))
            if let failure = failure(stored, doing: "uploading \(path)") { throw failure }
        } else {
            stored = try session(fd: fd, source: source, path: path, sha256: sha256, size: size, transfer: transfer)
        }
        guard stored.json?["content_hash"] as? String == contentHash, (stored.json?["size"] as? Int).map(Int64.init) == size else {
            throw .transient("Dropbox stored \(path) but not as sent (content_hash or size differ)")
        }
    }

    private func session(fd: Int32, source: String, path: String, sha256: String, size: Int64,
                         transfer: Transfer) throws(SinkError) -> DropboxClient.Response {
        let file = DropboxSession.file(in: resumeDirectory, path: path, sha256: sha256)
        var state: DropboxSession
        if let saved = DropboxSession.load(file), saved.path == path, saved.size == size, saved.sha256 == sha256 {
            state = saved
            // An empty append asks where the session stands: after a lost answer Dropbox may hold more than was
            // saved, and its correct_offset spares sending that chunk again.
            let probe = try client.content("/2/files/upload_session/append_v2", [
                "cursor": ["session_id": state.sessionId, "offset": state.offset] as [String: Any], "close": false,
            ], body: nil)
            if let correct = Self.correctOffset(probe) {
                state.offset = correct
                try state.save(file)
            } else if let failure = failure(probe, doing: "resuming the upload session of \(path)") {
                if probe.summary.hasPrefix("lookup_failed") { unlink(file) }
                throw failure
            }
        } else {
            let first = min(Int64(chunkSize), size)
            let started = try client.content("/2/files/upload_session/start", ["close": false],
                                             body: piece(fd, source, at: 0, count: Int(first), transfer: transfer))
            if let failure = failure(started, doing: "starting an upload session for \(path)") { throw failure }
            guard let id = started.json?["session_id"] as? String else {
                throw .transient("Dropbox started an upload session for \(path) without naming it")
            }
            state = DropboxSession(path: path, sha256: sha256, size: size, sessionId: id, offset: first)
            try state.save(file)
        }
        while state.offset < size {
            let count = Int(min(Int64(chunkSize), size - state.offset))
            let appended = try client.content("/2/files/upload_session/append_v2", [
                "cursor": ["session_id": state.sessionId, "offset": state.offset] as [String: Any], "close": false,
            ], body: piece(fd, source, at: state.offset, count: count, transfer: transfer))
            if let correct = Self.correctOffset(appended) {
                // Dropbox has more (or less) than was saved: an answer was lost. Go on from where it stands.
                state.offset = correct
                try state.save(file)
                continue
            }
            if let failure = failure(appended, doing: "appending to \(path)") {
                if appended.summary.hasPrefix("lookup_failed/not_found") || appended.summary.hasPrefix("lookup_failed/closed") {
                    unlink(file)
                }
                throw failure
            }
            state.offset += Int64(count)
            try state.save(file)
        }
        let finished = try client.content("/2/files/upload_session/finish", [
            "cursor": ["session_id": state.sessionId, "offset": state.offset] as [String: Any], "commit": commit(path),
        ], body: nil)
        if let correct = Self.correctOffset(finished) {
            state.offset = correct
            try state.save(file)
            throw .transient("Dropbox holds \(correct) of \(size) bytes of \(path); the rest goes next")
        }
        unlink(file)
        if let failure = failure(finished, doing: "finishing \(path)") { throw failure }
        return finished
    }

    private func commit(_ path: String) -> [String: Any] {
        ["path": path, "mode": "overwrite", "autorename": false, "mute": true]
    }

    private func remoteMatches(_ path: String, contentHash: String, size: Int64) throws(SinkError) -> Bool {
        let response = try client.rpc("/2/files/get_metadata", ["path": path])
        if response.status == 409, response.summary.hasPrefix("path/not_found") { return false }
        if let failure = failure(response, doing: "looking up \(path)") { throw failure }
        return response.json?["content_hash"] as? String == contentHash && (response.json?["size"] as? Int).map(Int64.init) == size
    }

    /// A body read from the file as libcurl asks for it, paced.
    private func piece(_ fd: Int32, _ source: String, at start: Int64, count: Int,
                       transfer: Transfer) -> HTTPRequest.Upload {
        HTTPRequest.Upload(size: count, pace: transfer.pace) { buffer, offset throws(SinkError) in
            while true {
                let n = pread(fd, buffer.baseAddress, buffer.count, off_t(start) + off_t(offset))
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw .transient("cannot read \(source): \(String(cString: strerror(errno)))") }
                return n
            }
        }
    }

    static func correctOffset(_ response: DropboxClient.Response) -> Int64? {
        guard response.status == 409, response.summary.contains("incorrect_offset"),
              let error = response.json?["error"] as? [String: Any] else { return nil }
        let detail = (error["lookup_failed"] as? [String: Any]) ?? error
        return (detail["correct_offset"] as? Int).map(Int64.init)
    }

    /// 2xx delivered; 429 and 5xx later (Retry-After wins); a full Dropbox later; a folder in the way, a name
    /// Dropbox refuses or a bad request need the owner.
    func failure(_ response: DropboxClient.Response, doing what: String) -> SinkError? {
        let answer = "Dropbox answered \(response.status)\(response.summary.isEmpty ? "" : " (\(response.summary))") to \(what)"
        switch response.status {
        case 200..<300: return nil
        case 429, 500..<600: return .transient(answer, retryAfter: response.retryAfter)
        case 409 where response.summary.contains("insufficient_space"):
            return .transient("\(answer): the Dropbox is full; uploads go on once space is freed", retryAfter: response.retryAfter)
        case 409 where response.summary.contains("conflict/folder"):
            return .permanent("\(answer): a folder is where the file goes; move it away in Dropbox")
        case 409 where response.summary.hasPrefix("lookup_failed"):
            return .transient("\(answer): the upload session is gone (expired); it starts over")
        case 409 where response.summary.contains("too_many_write_operations"):
            return .transient(answer, retryAfter: response.retryAfter)
        case 403: return .permanent("\(answer): the app may not write there; check its permissions (files.content.write)")
        default: return .permanent(answer)
        }
    }

    static func changed(_ source: String) -> SinkError {
        .transient("\(source) changed while it was uploaded (the car rewrote it); it goes again once complete")
    }
}
