import Foundation
import Outbound

/// What S3 (or an S3-like) means by an answer: 2xx delivered; 429, 500, 503 and throttling codes later (Retry-After
/// wins); a wrong key, secret, bucket or permission needs the owner, so the sink stops instead of retrying.
enum S3Failure {
    /// `<Code>` and `<Message>` of an S3 error document, when it has them.
    static func errorCode(_ body: String) -> (code: String?, message: String?) {
        (S3XML.first("Code", in: body), S3XML.first("Message", in: body))
    }

    static func failure(_ response: S3Client.Response, doing what: String, client: S3Client) -> SinkError? {
        if (200..<300).contains(response.status) && !response.text.contains("<Error>") { return nil }
        let (code, message) = errorCode(response.text)
        let said = [code, message].compactMap { $0 }.joined(separator: ": ")
        let answer = "\(client.shown) answered \(response.status)\(said.isEmpty ? "" : " (\(said))") to \(what)"
        switch code {
        case "InvalidAccessKeyId":
            return .permanent("\(answer): the access key id is not known there; check accessKeyId")
        case "SignatureDoesNotMatch":
            return .permanent("\(answer): the secret access key does not match the key id; check secretAccessKeyFile "
                              + "(or secretAccessKeyEnv) and the region")
        case "AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidToken", "ExpiredToken":
            return .permanent("\(answer): the key may not do this; give it s3:PutObject, s3:GetObject and "
                              + "s3:AbortMultipartUpload on the bucket")
        case "NoSuchBucket":
            return .permanent("\(answer): there is no such bucket; create it or check bucket and endpoint")
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            return .permanent("\(answer): the bucket is in another region; check region and endpoint")
        case "RequestTimeTooSkewed":
            return .transient("\(answer): the board's clock is off; it retries once the clock is set (NTP)")
        case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling":
            return .transient(answer, retryAfter: response.retryAfter)
        case "NoSuchUpload":
            return .transient("\(answer): the multipart upload is gone (expired or aborted); it starts over")
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch":
            return .transient("\(answer): the bytes arrived damaged; they go again")
        default:
            break
        }
        switch response.status {
        case 200..<300, 408, 429, 500..<600:
            return .transient(answer, retryAfter: response.retryAfter)
        case 401, 403:
            return .permanent("\(answer): check accessKeyId and the secret")
        case 301, 307:
            return .permanent("\(answer): the bucket is reached at another endpoint; check region and endpoint")
        default:
            return .permanent(answer)
        }
    }
}

/// The few XML elements S3's answers carry that a sink needs; the answers are small and flat.
enum S3XML {
    static func first(_ element: String, in text: String) -> String? { all(element, in: text).first }

    static func all(_ element: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        let open = "<\(element)>", close = "</\(element)>"
        while let start = rest.range(of: open), let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) {
            found.append(unescape(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
