import CCurl
import Foundation
import Outbound
import Synchronization

/// One HTTP request through libcurl, synchronous (each sink runs on a thread of its own).
struct HTTPRequest {
    var method = "POST"
    var url: String
    var headers: [String] = []
    var body: [UInt8] = []
    /// Seconds for the whole request; connecting has its own, shorter limit. 0: no limit on the whole, only on
    /// a stall (`stallSeconds` below one byte a second), for large uploads under a bandwidth limit.
    var timeout: Double = 60
    /// A body streamed to the peer (PUT and POST of files): read by libcurl piece by piece, each piece paced
    /// first. Wins over `body`.
    var upload: Upload?
    var stallSeconds = 120

    /// Bytes to send and the pacing each piece waits for (a `Transfer`'s, which also notices a stopping daemon):
    /// from memory, or read from a file piece by piece (a clip need not fit in a Pi's memory).
    final class Upload {
        let size: Int
        private let pace: (Int) throws(SinkError) -> Void
        /// Fills the buffer with the bytes at an offset; returns how many.
        private let fill: (UnsafeMutableRawBufferPointer, Int) throws(SinkError) -> Int
        private(set) var offset = 0
        /// Why the body stopped short, when pacing or reading refused a piece.
        var failure: SinkError?

        init(size: Int, pace: @escaping (Int) throws(SinkError) -> Void,
             fill: @escaping (UnsafeMutableRawBufferPointer, Int) throws(SinkError) -> Int) {
            self.size = size
            self.pace = pace
            self.fill = fill
        }

        convenience init(bytes: [UInt8], pace: @escaping (Int) throws(SinkError) -> Void) {
            self.init(size: bytes.count, pace: pace) { buffer, offset in
                let n = min(buffer.count, bytes.count - offset)
                bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                return n
            }
        }

        /// Back to the first byte, for sending the same body again (after a token refresh).
        func restart() {
            offset = 0
            failure = nil
        }

        /// libcurl's read callback: fills `buffer` with the next piece. 0x10000000 is CURL_READFUNC_ABORT.
        func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
            let n = min(capacity, size - offset)
            guard n > 0 else { return 0 }
            do throws(SinkError) {
                try pace(n)
                let filled = try fill(UnsafeMutableRawBufferPointer(start: buffer, count: n), offset)
                guard filled > 0 else { throw SinkError.transient("the file to upload ended early (the car rewrote it)") }
                offset += filled
                return filled
            } catch {
                failure = error
                return 0x1000_0000
            }
        }
    }

    /// Where a response body goes instead of memory (a download hashed on the way); nil keeps up to 1 MiB.
    var receive: ((UnsafeRawBufferPointer) -> Void)?
    /// Mutual TLS (the fleet sink): the device's certificate and key, and the CA the server's must chain to.
    var tls: (certFile: String, keyFile: String, caFile: String)?

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        /// Retry-After in seconds from now (either of its forms).
        var retryAfter: Double? { RetryAfter.seconds(headers["retry-after"]) }
    }

    /// CURL_GLOBAL_ALL (SSL | WIN32): the macro does not reach Swift.
    private static let initialised: Void = { _ = curl_global_init(3) }()

    /// Collects what libcurl hands the callbacks.
    private final class Collector {
        var receive: ((UnsafeRawBufferPointer) -> Void)?
        var body: [UInt8] = []
        var headers: [String: String] = [:]
    }

    /// Sends it. A failure to talk to the peer at all is transient: it may be back later.
    func send() throws(SinkError) -> Response {
        _ = Self.initialised
        guard let handle = curl_easy_init() else { throw .transient("libcurl could not start a request") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let collector = Collector()
        collector.receive = receive
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime((collector, upload)) {
            body.withUnsafeBufferPointer { bodyBytes in
                errorBuffer.withUnsafeMutableBufferPointer { errors in
                    teslacam_curl_set_string(handle, CURLOPT_URL, url)
                    // GET and HEAD are libcurl's own (a custom HEAD would wait for a body that never comes).
                    if method != "GET" && method != "HEAD" {
                        teslacam_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
                    }
                    teslacam_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                    teslacam_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 15)
                    teslacam_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
                    teslacam_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
                    teslacam_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, stallSeconds)
                    teslacam_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                    teslacam_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
                    if let tls {
                        teslacam_curl_set_string(handle, CURLOPT_SSLCERT, tls.certFile)
                        teslacam_curl_set_string(handle, CURLOPT_SSLKEY, tls.keyFile)
                        teslacam_curl_set_string(handle, CURLOPT_CAINFO, tls.caFile)
                    }
                    if method == "HEAD" {
                        teslacam_curl_set_long(handle, CURLOPT_NOBODY, 1)
                    } else if let upload {
                        teslacam_curl_set_long(handle, CURLOPT_UPLOAD, 1)
                        teslacam_curl_set_size(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload.size))
                        teslacam_curl_set_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, context in
                            let upload = Unmanaged<Upload>.fromOpaque(context!).takeUnretainedValue()
                            return upload.read(into: buffer!, capacity: size * count)
                        }
                        teslacam_curl_set_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque())
                    } else if method != "GET" {
                        teslacam_curl_set_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
                        if let base = bodyBytes.baseAddress {
                            // Not copied: the body outlives the request.
                            teslacam_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                        } else {
                            teslacam_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                        }
                    }
                    teslacam_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                        let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                        let n = size * count
                        if let data, let receive = collector.receive {
                            receive(UnsafeRawBufferPointer(start: data, count: n))
                        } else if let data, collector.body.count < 1 << 20 {
                            collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
                        }
                        return n
                    }
                    teslacam_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                    teslacam_curl_set_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                        let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                        let n = size * count
                        if let data {
                            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
                            if let colon = line.firstIndex(of: ":") {
                                let name = line[..<colon].lowercased()
                                collector.headers[name] = line[line.index(after: colon)...]
                                    .trimmingCharacters(in: .whitespacesAndNewlines)
                            }
                        }
                        return n
                    }
                    teslacam_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
                    return curl_easy_perform(handle)
                }
            }
        }
        if let failure = upload?.failure { throw failure }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let words = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw .transient("cannot reach \(Self.redacted(url)): \(words)")
        }
        var status = 0
        teslacam_curl_response_code(handle, &status)
        return Response(status: status, headers: collector.headers, body: collector.body)
    }

    /// A URL as logs may show it: no user, password or query (tokens live there).
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "the configured URL" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        return parts.string ?? "the configured URL"
    }
}
