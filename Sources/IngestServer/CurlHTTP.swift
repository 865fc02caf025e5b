import CCurl
import Dispatch
import Foundation

/// One HTTP exchange through libcurl, run on a Dispatch thread so the server's cooperative threads never block.
/// libcurl rather than async-http-client: the package already links it (CCurl, the board's sinks), and it keeps
/// this binary's dependency tree (and its build on small machines) to Hummingbird's NIO.
struct CurlHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    /// Where a response body goes: kept (bounded), or only hashed (reading a stored object back).
    enum Sink: Sendable { case keep(limit: Int), sha256 }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static let initialised: Void = { _ = curl_global_init(3) }()

    static func send(method: String, url: String, headers: [String], body: [UInt8] = [],
                     sink: Sink = .keep(limit: 1 << 20), timeout: Double = 120) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try perform(method: method, url: url, headers: headers, body: body, sink: sink, timeout: timeout) })
            }
        }
    }

    /// A PUT whose `length` bytes come from `pipe` as they arrive. Its own thread, not Dispatch's pool: it blocks
    /// for as long as the client takes to send a part, and a pool of such threads would starve the others. No
    /// overall timeout (a board on a slow link may take minutes for a part): two minutes with nothing moving end it.
    static func stream(url: String, headers: [String], pipe: BodyPipe, length: Int64) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try perform(method: "PUT", url: url, headers: headers, body: [], source: (pipe, length), sink: .keep(limit: 1 << 20), timeout: 0)
                })
            }
            thread.start()
        }
    }

    private final class Collector {
        var sink: Sink
        var source: BodyPipe?
        var body: [UInt8] = []
        var hasher = DigestAccumulator()
        var headers: [String: String] = [:]
        init(_ sink: Sink) { self.sink = sink }
    }

    private static func perform(method: String, url: String, headers: [String], body: [UInt8], source: (BodyPipe, Int64)? = nil,
                                sink: Sink, timeout: Double) throws -> Response {
        _ = initialised
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not start a request") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let collector = Collector(sink)
        collector.source = source?.0
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime(collector) {
            body.withUnsafeBufferPointer { bodyBytes in
                errorBuffer.withUnsafeMutableBufferPointer { errors in
                    teslacam_curl_set_string(handle, CURLOPT_URL, url)
                    if method == "HEAD" { teslacam_curl_set_long(handle, CURLOPT_NOBODY, 1) }
                    else { teslacam_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method) }
                    teslacam_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                    teslacam_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
                    if timeout > 0 {
                        teslacam_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
                    } else {
                        teslacam_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
                        teslacam_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 120)
                    }
                    teslacam_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                    teslacam_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
                    if let length = source?.1 {
                        teslacam_curl_set_long(handle, CURLOPT_UPLOAD, 1)
                        teslacam_curl_set_size(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
                        teslacam_curl_set_callback(handle, CURLOPT_READFUNCTION) { data, size, count, context in
                            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                            guard let data, let pipe = collector.source else { return Int(CURL_READFUNC_ABORT) }
                            let target = UnsafeMutableRawBufferPointer(start: data, count: size * count)
                            return pipe.read(into: target) ?? Int(CURL_READFUNC_ABORT)
                        }
                        teslacam_curl_set_pointer(handle, CURLOPT_READDATA, context)
                    } else if method == "PUT" || method == "POST" {
                        teslacam_curl_set_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
                        if let base = bodyBytes.baseAddress {
                            teslacam_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                        } else {
                            teslacam_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                        }
                    }
                    teslacam_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                        let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                        let n = size * count
                        guard let data else { return n }
                        let bytes = UnsafeRawBufferPointer(start: data, count: n)
                        switch collector.sink {
                        case let .keep(limit): if collector.body.count < limit { collector.body.append(contentsOf: bytes) }
                        case .sha256: collector.hasher.update(bytes)
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
                                collector.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
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
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(description: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        teslacam_curl_response_code(handle, &status)
        if case .sha256 = sink { collector.body = collector.hasher.finalize() }
        return Response(status: status, headers: collector.headers, body: collector.body)
    }
}
