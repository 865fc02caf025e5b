import Foundation
import Outbound
import SigV4

/// Requests to a WebDAV share (Nextcloud, a NAS, nginx's dav module) under one base URL, with basic
/// authentication. Paths are remote names (`model3/TeslaCam/...`), encoded here segment by segment.
struct WebDAVClient: Sendable {
    /// `https://host[:port]/some/base` without a trailing slash.
    var base: String
    var user: String?
    /// Never logged; sent only as the Authorization header.
    var password: String?

    var shown: String { "the WebDAV share \(HTTPRequest.redacted(base))" }

    func url(_ remote: String, folder: Bool = false) -> String {
        let encoded = remote.split(separator: "/").map { SigV4Encoding.uriEncode(String($0)) }.joined(separator: "/")
        return base + "/" + encoded + (folder ? "/" : "")
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var retryAfter: Double? { RetryAfter.seconds(headers["retry-after"]) }
    }

    func send(_ method: String, url: String, headers extra: [String] = [], upload: HTTPRequest.Upload? = nil,
              receive: ((UnsafeRawBufferPointer) -> Void)? = nil, timeout: Double = 60) throws(SinkError) -> Response {
        var headers = extra + ["Expect:"]
        if let user {
            let token = Data("\(user):\(password ?? "")".utf8).base64EncodedString()
            headers.append("Authorization: Basic \(token)")
        }
        var request = HTTPRequest(method: method, url: url, headers: headers, timeout: timeout)
        request.upload = upload
        request.receive = receive
        let response = try request.send()
        return Response(status: response.status, headers: response.headers)
    }

    /// What a status means for a WebDAV request; nil for success.
    func failure(_ response: Response, doing what: String) -> SinkError? {
        let answer = "\(shown) answered \(response.status) to \(what)"
        switch response.status {
        case 200..<300: return nil
        case 401: return .permanent("\(answer) (unauthorized): check user and passwordFile (or passwordEnv)")
        case 403: return .permanent("\(answer) (forbidden): the user may not write there")
        case 507:
            return .transient("\(answer): the remote is full (507 Insufficient Storage); uploads go on once space is freed",
                              retryAfter: response.retryAfter)
        case 404, 405, 409:
            return .permanent("\(answer): check the url (the folder may not exist or not be a WebDAV share)")
        case 408, 423, 425, 429, 500..<600:
            return .transient(answer, retryAfter: response.retryAfter)
        default:
            return .permanent(answer)
        }
    }
}
