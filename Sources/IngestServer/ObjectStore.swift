import Foundation
import Ingest
import SigV4

/// An S3-compatible bucket (AWS S3, MinIO, Ceph, moto), path-style, every request signed with SigV4. Only what
/// tus needs: small objects (upload state), multipart uploads, reading an object back to check it.
struct ObjectStore: Sendable {
    let endpoint: String
    let bucket: String
    let signer: SigV4Signer
    let credentials: SigV4Credentials
    private let host: String

    init(_ config: IngestConfig.Storage) throws {
        let secret: String
        do { secret = try String(contentsOfFile: config.secretAccessKeyFile, encoding: .utf8) } catch {
            throw StoreError("cannot read storage.secretAccessKeyFile \(config.secretAccessKeyFile): \(error.localizedDescription)")
        }
        endpoint = config.endpoint
        bucket = config.bucket
        signer = SigV4Signer(region: config.region)
        credentials = SigV4Credentials(accessKeyId: config.accessKeyId,
                                       secretAccessKey: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        let url = URL(string: config.endpoint)
        host = (url?.host ?? "") + (url?.port.map { ":\($0)" } ?? "")
    }

    struct StoreError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One signed request; statuses outside `ok` are errors with S3's own code and message.
    private func request(_ method: String, key: String?, query: [(name: String, value: String)] = [], body: [UInt8] = [],
                         stream: (BodyPipe, Int64)? = nil,
                         sink: CurlHTTP.Sink = .keep(limit: 1 << 20), ok: Set<Int> = [200, 204]) async throws -> CurlHTTP.Response {
        let path = "/" + SigV4Encoding.uriEncode(bucket) + (key.map { "/" + SigV4Encoding.uriEncode($0, keepSlash: true) } ?? "")
        // A streamed body is not known when the request is signed: its check is the part's ETag (StreamedPart).
        let payloadHash = stream == nil ? SigV4Request.payloadHash(of: body) : SigV4Request.unsignedPayload
        let unsigned = SigV4Request(method: method, encodedPath: path, query: query, headers: [("host", host)], payloadHash: payloadHash)
        let signature = signer.sign(unsigned, credentials: credentials, at: SigV4Timestamp(unixSeconds: Int64(Date().timeIntervalSince1970)))
        let queryText = unsigned.canonicalQuery
        let url = endpoint + path + (queryText.isEmpty ? "" : "?" + queryText)
        // libcurl would label a body form-encoded, and some S3-likes (moto) then parse it away.
        let headers = signature.headers.map { "\($0.name): \($0.value)" } + ["Content-Type: application/octet-stream"]
        let response: CurlHTTP.Response
        do {
            if let stream {
                response = try await CurlHTTP.stream(url: url, headers: headers, pipe: stream.0, length: stream.1)
            } else {
                response = try await CurlHTTP.send(method: method, url: url, headers: headers, body: body, sink: sink)
            }
        } catch {
            throw StoreError("object storage at \(endpoint) cannot be reached: \(error)")
        }
        guard ok.contains(response.status) else {
            let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
            let code = Self.element("Code", in: text) ?? "HTTP \(response.status)"
            throw StoreError("object storage refused \(method) \(key ?? bucket): \(code) \(Self.element("Message", in: text) ?? "")")
        }
        return response
    }

    func put(_ key: String, _ bytes: [UInt8]) async throws {
        _ = try await request("PUT", key: key, body: bytes)
    }

    /// The object's bytes, or nil if there is none.
    func get(_ key: String) async throws -> [UInt8]? {
        let response = try await request("GET", key: key, sink: .keep(limit: Int.max), ok: [200, 404])
        return response.status == 404 ? nil : response.body
    }

    func delete(_ key: String) async throws {
        _ = try await request("DELETE", key: key, ok: [200, 204, 404])
    }

    /// The SHA-256 of what the store holds under `key` (read back: the ack vouches for what is stored).
    func sha256(of key: String) async throws -> [UInt8] {
        try await request("GET", key: key, sink: .sha256).body
    }

    func checkBucket() async throws {
        _ = try await request("HEAD", key: nil)
    }

    func createMultipart(_ key: String) async throws -> String {
        let response = try await request("POST", key: key, query: [("uploads", "")])
        guard let id = Self.element("UploadId", in: String(decoding: response.body, as: UTF8.self)) else {
            throw StoreError("object storage started a multipart upload of \(key) without an UploadId")
        }
        return id
    }

    func uploadPart(_ key: String, uploadID: String, number: Int, _ bytes: [UInt8]) async throws -> String {
        let response = try await request("PUT", key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], body: bytes)
        guard let etag = response.headers["etag"] else { throw StoreError("object storage stored part \(number) of \(key) without an ETag") }
        return etag
    }

    /// A part whose `length` bytes come through `pipe` while the request runs (see StreamedPart).
    func uploadPart(_ key: String, uploadID: String, number: Int, streaming pipe: BodyPipe, length: Int64) async throws -> String {
        let response = try await request("PUT", key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], stream: (pipe, length))
        guard let etag = response.headers["etag"] else { throw StoreError("object storage stored part \(number) of \(key) without an ETag") }
        return etag
    }

    func completeMultipart(_ key: String, uploadID: String, parts: [UploadState.Part]) async throws {
        let xml = "<CompleteMultipartUpload>"
            + parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(Self.escaped($0.etag))</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        let response = try await request("POST", key: key, query: [("uploadId", uploadID)], body: Array(xml.utf8))
        // S3 may answer 200 and put the error in the body (it decided after the headers went out).
        let text = String(decoding: response.body, as: UTF8.self)
        if text.contains("<Error>") {
            throw StoreError("object storage could not complete \(key): \(Self.element("Code", in: text) ?? "") \(Self.element("Message", in: text) ?? "")")
        }
    }

    func abortMultipart(_ key: String, uploadID: String) async throws {
        _ = try await request("DELETE", key: key, query: [("uploadId", uploadID)], ok: [200, 204, 404])
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
