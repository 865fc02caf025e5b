import CCurl
import Foundation

/// A real handshake with a running ingest server (`check --url`): one tus OPTIONS over mutual TLS through libcurl,
/// the board's own client, and what it ended in put in words. The server's side of a refusal reaches the client
/// only as a TLS alert ("unknown ca", "certificate required"), which is what Fleet Telemetry's users are left
/// reading; this says which file to fix.
struct HandshakeProbe {
    var url: String
    var certFile: String?
    var keyFile: String?
    var caFile: String

    struct Outcome {
        var passed: Bool
        var words: String
    }

    func run() -> Outcome {
        _ = curl_global_init(3)
        guard let handle = curl_easy_init() else { return Outcome(passed: false, words: "libcurl could not start a request") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        list = curl_slist_append(list, "Tus-Resumable: 1.0.0")
        defer { curl_slist_free_all(list) }
        let body = BodyBox()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime(body) {
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                teslacam_curl_set_string(handle, CURLOPT_URL, url)
                teslacam_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, "OPTIONS")
                teslacam_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                teslacam_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
                teslacam_curl_set_long(handle, CURLOPT_TIMEOUT, 20)
                teslacam_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                teslacam_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
                teslacam_curl_set_string(handle, CURLOPT_CAINFO, caFile)
                if let certFile { teslacam_curl_set_string(handle, CURLOPT_SSLCERT, certFile) }
                if let keyFile { teslacam_curl_set_string(handle, CURLOPT_SSLKEY, keyFile) }
                teslacam_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                    let box = Unmanaged<BodyBox>.fromOpaque(context!).takeUnretainedValue()
                    if let data, box.bytes.count < 4096 { box.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count)) }
                    return size * count
                }
                teslacam_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(body).toOpaque())
                return curl_easy_perform(handle)
            }
        }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard code == CURLE_OK else {
            return Outcome(passed: false, words: Self.explain(code: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                                                              url: url, hasCertificate: certFile != nil, caFile: caFile))
        }
        var status = 0
        teslacam_curl_response_code(handle, &status)
        let text = String(decoding: body.bytes, as: UTF8.self)
        switch status {
        case 200..<300: return Outcome(passed: true, words: "the handshake with \(url) passed and the server took this device's requests (\(status))")
        case 403: return Outcome(passed: false, words: "the handshake passed but the server refuses this device (403): \(Self.message(text))")
        case 429: return Outcome(passed: true, words: "the handshake passed; the server asks this device to slow down (429): \(Self.message(text))")
        default: return Outcome(passed: false, words: "the handshake passed but \(url) answered \(status): \(Self.message(text)); is this the ingest server's /files/ URL?")
        }
    }

    private final class BodyBox { var bytes: [UInt8] = [] }

    /// The server's JSON error words, or the body as it came.
    private static func message(_ body: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let error = object["error"] as? String {
            return error
        }
        return body.isEmpty ? "(no body)" : String(body.prefix(300))
    }

    /// libcurl's code and OpenSSL's words, as the reason and the file to fix. The alerts are the server speaking:
    /// "unknown ca" (this certificate is not from its CA), "certificate required" (none was sent), "certificate
    /// expired"; a verification failure is this side refusing the server's certificate.
    static func explain(code: CURLcode, detail: String, url: String, hasCertificate: Bool, caFile: String) -> String {
        let lower = detail.lowercased()
        let host = URLComponents(string: url)?.host ?? url
        let said = "(libcurl: \(detail))"
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST: return "\(host) does not resolve: check the URL's host name \(said)"
        case CURLE_COULDNT_CONNECT: return "nothing answers at \(url): is the ingest server running, and is its listen address reachable from here? \(said)"
        case CURLE_OPERATION_TIMEDOUT: return "\(url) did not answer in time: a firewall, or the wrong port \(said)"
        default: break
        }
        if lower.contains("certificate required") || (!hasCertificate && (lower.contains("handshake failure") || lower.contains("alert"))) {
            return "missing client certificate: the server asks every device for one; give --cert and --key (the board's certFile and keyFile) \(said)"
        }
        if lower.contains("unknown ca") || lower.contains("bad certificate") || lower.contains("certificate unknown") {
            return "the server refused this client certificate: it was not issued by the CA the server trusts (its tls.caFile); issue it with that CA's teslacam-ingest ca issue \(said)"
        }
        if lower.contains("alert certificate expired") { return "the server refused this client certificate as expired: issue a new one \(said)" }
        if lower.contains("alert certificate revoked") { return "the server refused this client certificate as revoked \(said)" }
        if lower.contains("subject name") || lower.contains("does not match") || lower.contains("hostname") {
            return "hostname: the server's certificate is not for \(host); connect by a name it was issued for, or issue it again with teslacam-ingest ca server \(host) \(said)"
        }
        if code == CURLE_PEER_FAILED_VERIFICATION || lower.contains("certificate verify failed") {
            if lower.contains("expired") { return "the server's certificate has expired: issue a new one with teslacam-ingest ca server \(said)" }
            if lower.contains("not yet valid") { return "the server's certificate is not valid yet: is one of the clocks wrong? \(said)" }
            return "the server's certificate does not chain to \(caFile): give the board the CA that signed the server's certificate (the operator's ca.pem) \(said)"
        }
        if code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE || lower.contains("private key") {
            return "cannot use the certificate or key given here: \(detail)"
        }
        if lower.contains("wrong version number") || lower.contains("packet length too long") {
            return "\(url) does not speak TLS: is it the ingest server's port, and https? \(said)"
        }
        return "the handshake with \(url) failed \(said)"
    }
}
