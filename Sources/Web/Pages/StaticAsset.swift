import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One of the page's files as the server sends it: its bytes and their gzip, both made once at start, named by
/// a digest of the bytes. The page refers to its script and style sheet by that digest (`/app.js?v=…`), so a
/// phone keeps them for a year and asks again only when a new build changes them; the page itself is checked on
/// every load (`no-cache` with its ETag: a 304 of a few bytes over the board's slow Wi-Fi).
struct StaticAsset: Sendable {
    let type: String
    let plain: ByteBuffer
    /// nil when gzip would not make it smaller (the icon).
    let gzipped: ByteBuffer?
    /// The first 16 hex digits of the SHA-256 of the plain bytes.
    let version: String
    /// Whether the asset is addressed by its version (immutable under that name) or checked on every load.
    let versioned: Bool

    init(_ text: String, type: String, versioned: Bool) {
        let bytes = Array(text.utf8)
        self.type = type
        self.versioned = versioned
        plain = ByteBuffer(bytes: bytes)
        version = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        // A failure here would be a bug in zlib's use; the plain bytes still serve.
        let packed = (try? Gzip.compress(bytes)) ?? bytes
        gzipped = packed.count < bytes.count ? ByteBuffer(bytes: packed) : nil
    }

    static let year = "public, max-age=31536000, immutable"

    /// The answer to `request`: 304 when it names the current ETag, else the bytes, gzipped when accepted.
    func response(to request: Request) -> Response {
        let gzip = gzipped != nil && Self.acceptsGzip(request.headers[.acceptEncoding])
        let etag = "\"" + version + (gzip ? "-gz" : "") + "\""
        // A versioned asset asked by another version (a page from before an upgrade): today's bytes, not cached.
        let asked = request.uri.queryParameters["v"].map(String.init)
        let cache = versioned && asked == version ? Self.year : "no-cache"
        var headers: HTTPFields = [.contentType: type, .cacheControl: cache, .eTag: etag, .vary: "Accept-Encoding"]
        if let match = request.headers[.ifNoneMatch], Self.matches(match, version: version) {
            return Response(status: .notModified, headers: headers)
        }
        if gzip { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: gzip ? gzipped! : plain))
    }

    /// `Accept-Encoding` names gzip with a q above 0 (or `*`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    /// `If-None-Match` names either representation of this version (weak comparison, as RFC 9110 asks of it).
    static func matches(_ header: String, version: String) -> Bool {
        header.split(separator: ",").contains { tag in
            var tag = tag.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "\"\(version)\"" || tag == "\"\(version)-gz\""
        }
    }
}
