import Foundation
import Glibc
import Outbound
import SigV4

/// Uploads to an S3 bucket (AWS or any S3-compatible service), signed with SigV4.
///
/// A file up to `partSize` goes in one PUT; a larger one as a multipart upload whose id and part ETags are kept
/// in `resumeDirectory`, so a cut connection or a restart sends only the parts the bucket has not acknowledged.
/// Each body carries its MD5 (`Content-MD5`) and sha256 (`x-amz-content-sha256`), so the bucket refuses damaged
/// bytes; the object's sha256 goes along as `x-amz-meta-sha256`. A delivery is verified by a HEAD: the size, the
/// sha256 metadata and the ETag S3 derives from the MD5s. An object already there with the same size and
/// sha256 is recognised and not sent again. Alerts become `teslacam-alerts/<time>-<n>.json` objects.
public struct S3Sink: Sink {
    public let name: String
    public var type: String { "s3" }
    public var peer: PeerAddress? { PeerAddress(url: client.endpoint) }
    let client: S3Client
    public let prefix: String
    public let partSize: Int
    public let resumeDirectory: String

    /// S3's smallest part (but the last) and the default.
    public static let minimumPartSize = 5 << 20
    public static let defaultPartSize = 8 << 20

    public init(name: String, endpoint: String, bucket: String, region: String, credentials: SigV4Credentials,
                prefix: String = "", pathStyle: Bool = true, partSize: Int = S3Sink.defaultPartSize,
                resumeDirectory: String) {
        self.name = name
        client = S3Client(endpoint: endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint, bucket: bucket,
                          region: region, credentials: credentials, pathStyle: pathStyle)
        self.prefix = prefix
        self.partSize = max(partSize, Self.minimumPartSize)
        self.resumeDirectory = resumeDirectory
    }

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        switch record.content {
        case let .file(_, source, remoteName, sha256, size):
            try upload(source: source, key: remoteName, sha256: sha256, size: size, transfer: transfer)
        case let .message(text):
            let body = Array(text.utf8)
            let key = RemoteName.of(archivePath: "teslacam-alerts/\(Int(Date().timeIntervalSince1970 * 1000))-"
                                    + "\(SigV4Request.payloadHash(of: body).prefix(12)).json", prefix: prefix)
            try transfer.pace(body.count)
            try put(key: key, body: body, sha256: SigV4Request.payloadHash(of: body), contentType: "application/json")
        }
    }

    /// Puts a tiny object, reads it back, removes it.
    public func check() throws(SinkError) {
        let key = RemoteName.of(archivePath: ".teslacam-test-\(getpid())", prefix: prefix)
        let body = Array("teslacam sinks test\n".utf8)
        try put(key: key, body: body, sha256: SigV4Request.payloadHash(of: body), contentType: "text/plain")
        let read = try client.send("GET", path: client.path(for: key))
        if let failure = S3Failure.failure(read, doing: "reading the test object back", client: client) { throw failure }
        guard read.body == body else { throw .permanent("\(client.shown) did not return the test object as written") }
        let removed = try client.send("DELETE", path: client.path(for: key))
        if let failure = S3Failure.failure(removed, doing: "removing the test object", client: client) { throw failure }
    }

    // MARK: - Files

    private func upload(source: String, key: String, sha256: String, size: Int64, transfer: Transfer) throws(SinkError) {
        if try remoteMatches(key: key, sha256: sha256, size: size, etag: nil) { return }
        let fd = try FileDigest.openForReading(source)
        defer { close(fd) }
        if size <= Int64(partSize) {
            let body = try readPiece(fd, path: source, at: 0, count: Int(size))
            guard Int64(body.count) == size, SigV4Request.payloadHash(of: body) == sha256 else {
                throw Self.changed(source)
            }
            try transfer.waitUntilAllowed()
            let etag = try put(key: key, body: body, sha256: sha256, contentType: Self.contentType(key), pace: transfer.pace)
            guard try remoteMatches(key: key, sha256: sha256, size: size, etag: etag) else {
                throw .transient("\(client.shown) holds \(key) but not as sent (size, sha256 or ETag differ)")
            }
        } else {
            try multipart(fd: fd, source: source, key: key, sha256: sha256, size: size, transfer: transfer)
        }
    }

    private func multipart(fd: Int32, source: String, key: String, sha256: String, size: Int64,
                           transfer: Transfer) throws(SinkError) {
        let stateFile = S3ResumeState.file(in: resumeDirectory, key: key, sha256: sha256)
        var state: S3ResumeState
        if let saved = S3ResumeState.load(stateFile), saved.key == key, saved.size == size, saved.sha256 == sha256,
           saved.partSize == partSize {
            state = saved
        } else {
            state = S3ResumeState(key: key, sha256: sha256, size: size, partSize: partSize,
                                  uploadId: try createUpload(key: key, sha256: sha256), parts: [:])
            try state.save(stateFile)
        }
        let count = Int((size + Int64(partSize) - 1) / Int64(partSize))
        var hasher = IncrementalSHA256()
        var md5s: [[UInt8]] = []
        for number in 1...count {
            let offset = Int64(number - 1) * Int64(partSize)
            let body = try readPiece(fd, path: source, at: offset, count: Int(min(Int64(partSize), size - offset)))
            hasher.update(body)
            let md5 = S3Digest.md5(body)
            md5s.append(md5)
            // A part the bucket acknowledged with this very MD5 stays: only the rest goes.
            if state.parts[number] == SigV4Encoding.hex(md5) { continue }
            try transfer.waitUntilAllowed()
            let response = try client.send(
                "PUT", path: client.path(for: key),
                query: [("partNumber", "\(number)"), ("uploadId", state.uploadId)],
                headers: [("Content-MD5", Data(md5).base64EncodedString())], payload: body, pace: transfer.pace,
                timeout: 0)
            if let failure = S3Failure.failure(response, doing: "part \(number) of \(key)", client: client) {
                if S3Failure.errorCode(response.text).code == "NoSuchUpload" { S3ResumeState.remove(stateFile) }
                throw failure
            }
            guard let etag = response.etag else {
                throw .transient("\(client.shown) acknowledged part \(number) of \(key) without an ETag")
            }
            state.parts[number] = etag
            try state.save(stateFile)
        }
        guard hasher.hex == sha256 else {
            S3ResumeState.remove(stateFile)
            throw Self.changed(source)
        }
        let expected = S3Digest.multipartETag(partMD5s: md5s)
        let list = (1...count).map { "<Part><PartNumber>\($0)</PartNumber><ETag>\"\(S3XML.escape(state.parts[$0]!))\"</ETag></Part>" }
        let body = Array("<CompleteMultipartUpload>\(list.joined())</CompleteMultipartUpload>".utf8)
        let response = try client.send("POST", path: client.path(for: key), query: [("uploadId", state.uploadId)],
                                       headers: [("Content-Type", "application/xml")], payload: body, timeout: 300)
        if let failure = S3Failure.failure(response, doing: "completing \(key)", client: client) {
            // Completed before, its answer lost: the object is there and the upload gone.
            if S3Failure.errorCode(response.text).code == "NoSuchUpload",
               try remoteMatches(key: key, sha256: sha256, size: size, etag: expected) {
                S3ResumeState.remove(stateFile)
                return
            }
            if S3Failure.errorCode(response.text).code == "NoSuchUpload" || S3Failure.errorCode(response.text).code == "InvalidPart" {
                S3ResumeState.remove(stateFile)
            }
            throw failure
        }
        S3ResumeState.remove(stateFile)
        guard try remoteMatches(key: key, sha256: sha256, size: size, etag: expected) else {
            throw .transient("\(client.shown) holds \(key) but not as sent (size, sha256 or ETag differ)")
        }
    }

    private func createUpload(key: String, sha256: String) throws(SinkError) -> String {
        let response = try client.send("POST", path: client.path(for: key), query: [("uploads", "")],
                                       headers: [("Content-Type", Self.contentType(key)), ("x-amz-meta-sha256", sha256)])
        if let failure = S3Failure.failure(response, doing: "starting a multipart upload of \(key)", client: client) {
            throw failure
        }
        guard let id = S3XML.first("UploadId", in: response.text), !id.isEmpty else {
            throw .transient("\(client.shown) started a multipart upload of \(key) but named no upload id")
        }
        return id
    }

    /// One PUT of a whole object; returns its ETag, checked against the body's MD5.
    @discardableResult
    private func put(key: String, body: [UInt8], sha256: String, contentType: String,
                     pace: ((Int) throws(SinkError) -> Void)? = nil) throws(SinkError) -> String {
        let md5 = S3Digest.md5(body)
        let response = try client.send("PUT", path: client.path(for: key), headers: [
            ("Content-Type", contentType), ("Content-MD5", Data(md5).base64EncodedString()), ("x-amz-meta-sha256", sha256),
        ], payload: body, pace: pace, timeout: 0)
        if let failure = S3Failure.failure(response, doing: "uploading \(key)", client: client) { throw failure }
        let etag = response.etag ?? ""
        guard etag == SigV4Encoding.hex(md5) else {
            throw .transient("\(client.shown) stored \(key) with ETag \(etag), not the MD5 of what was sent")
        }
        return etag
    }

    /// HEAD: whether the bucket holds `key` with this size and sha256 (and ETag, when given).
    private func remoteMatches(key: String, sha256: String, size: Int64, etag: String?) throws(SinkError) -> Bool {
        let response = try client.send("HEAD", path: client.path(for: key))
        if response.status == 404 { return false }
        // A HEAD has no error document: the status alone must say it.
        if response.status == 403 {
            throw .permanent("\(client.shown) answered 403 to looking up \(key): check accessKeyId, the secret and "
                             + "the key's permissions (s3:GetObject, s3:PutObject)")
        }
        if let failure = S3Failure.failure(response, doing: "looking up \(key)", client: client) { throw failure }
        guard response.headers["content-length"].flatMap({ Int64($0) }) == size,
              response.headers["x-amz-meta-sha256"] == sha256 else { return false }
        return etag.map { $0 == response.etag } ?? true
    }

    private func readPiece(_ fd: Int32, path: String, at offset: Int64, count: Int) throws(SinkError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .transient("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw Self.changed(path) }
            done += n
        }
        return bytes
    }

    static func changed(_ source: String) -> SinkError {
        .transient("\(source) changed while it was uploaded (the car rewrote it); it goes again once complete")
    }

    static func contentType(_ key: String) -> String {
        let lower = key.lowercased()
        if lower.hasSuffix(".mp4") { return "video/mp4" }
        if lower.hasSuffix(".json") { return "application/json" }
        if lower.hasSuffix(".png") { return "image/png" }
        return "application/octet-stream"
    }
}
