import Crypto
import Foundation
import Outbound
import SigV4

/// Where a bucket lives and how to address it: path style (`http://host:9000/bucket/key`, what MinIO, moto and
/// most S3-likes want) or virtual-hosted (`https://bucket.s3.eu-west-1.amazonaws.com/key`, AWS's default).
struct S3Client: Sendable {
    var endpoint: String
    var bucket: String
    var region: String
    var credentials: SigV4Credentials
    var pathStyle: Bool

    /// `https://host[:port]` with no trailing slash.
    private var scheme: String { endpoint.hasPrefix("https://") ? "https" : "http" }
    private var authority: String {
        let rest = endpoint.drop { $0 != "/" }.drop { $0 == "/" }
        return String(rest.prefix { $0 != "/" })
    }

    var host: String { pathStyle ? authority : "\(bucket).\(authority)" }

    /// The object's path on the wire: encoded once, slashes kept.
    func path(for key: String) -> String {
        let encoded = SigV4Encoding.uriEncode(key, keepSlash: true)
        return pathStyle ? "/\(SigV4Encoding.uriEncode(bucket))/\(encoded)" : "/\(encoded)"
    }

    /// The bucket's own path (for a listing or a bucket check).
    var bucketPath: String { pathStyle ? "/\(SigV4Encoding.uriEncode(bucket))" : "/" }

    /// Shown in errors: the endpoint and the bucket, never a key or a secret.
    var shown: String { "s3 bucket \(bucket) at \(HTTPRequest.redacted(endpoint))" }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var retryAfter: Double? { RetryAfter.seconds(headers["retry-after"]) }
        /// An ETag without its quotes.
        var etag: String? { headers["etag"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
    }

    /// Signs and sends one request. `payload` goes as the body (streamed and paced when `pace` is given).
    func send(_ method: String, path: String, query: [(name: String, value: String)] = [],
              headers extra: [(name: String, value: String)] = [], payload: [UInt8] = [],
              pace: ((Int) throws(SinkError) -> Void)? = nil, now: Double = Date().timeIntervalSince1970,
              timeout: Double = 60) throws(SinkError) -> Response {
        let payloadHash = payload.isEmpty ? SigV4Request.emptyPayloadHash : SigV4Request.payloadHash(of: payload)
        let request = SigV4Request(method: method, encodedPath: path, query: query,
                                   headers: [("host", host)] + extra, payloadHash: payloadHash)
        let signed = SigV4Signer(region: region).sign(request, credentials: credentials,
                                                      at: SigV4Timestamp(unixSeconds: Int64(now)))
        let queryString = request.canonicalQuery
        let url = "\(scheme)://\(host)\(path)" + (queryString.isEmpty ? "" : "?" + queryString)
        // Expect: none (libcurl would wait for a 100 Continue on large bodies); Content-Type: the default
        // libcurl sets for a POST body is a form's.
        var lines = (extra + signed.headers).map { "\($0.name): \($0.value)" } + ["Expect:"]
        if !extra.contains(where: { $0.name.lowercased() == "content-type" }) {
            lines.append("Content-Type: application/octet-stream")
        }
        var http = HTTPRequest(method: method, url: url, headers: lines, body: payload, timeout: timeout)
        if let pace, !payload.isEmpty { http.upload = HTTPRequest.Upload(bytes: payload, pace: pace) }
        let response = try http.send()
        return Response(status: response.status, headers: response.headers, body: response.body)
    }
}

/// MD5 as S3's ETags spell it (it is S3's integrity check, not a security measure).
enum S3Digest {
    static func md5(_ bytes: [UInt8]) -> [UInt8] { Array(Insecure.MD5.hash(data: bytes)) }

    /// The ETag S3 gives a multipart object: md5 of the parts' md5s, a dash and the part count.
    static func multipartETag(partMD5s: [[UInt8]]) -> String {
        SigV4Encoding.hex(md5(partMD5s.flatMap { $0 })) + "-\(partMD5s.count)"
    }
}
