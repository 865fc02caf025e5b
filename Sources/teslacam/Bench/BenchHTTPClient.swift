import Foundation

/// A minimal HTTP/1.1 client over one keep-alive connection to a loopback port: what the bench's viewers need
/// (GET and POST with headers, a body kept or only counted as it arrives), no TLS, no redirects. Blocking, so a
/// viewer is one thread, as a phone is one client.
final class BenchHTTPClient {
    struct Response {
        var status: Int
        /// Header names in lower case.
        var headers: [String: String]
        var body: [UInt8]
        var bodyBytes: Int

        func json() -> Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let port: UInt16
    private var fd: Int32 = -1
    private var pending: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 256 << 10)

    init(port: UInt16) { self.port = port }
    deinit { disconnect() }

    /// Thrown when `onBody` asked to stop: the connection is closed mid-body.
    struct Abandoned: Error {}

    /// `onBody`: each piece of the body as it arrives (its byte count); false abandons the response (`Abandoned`).
    /// The body is kept only when `keepBody`.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
                 keepBody: Bool = true, onBody: (Int) -> Bool = { _ in true }) throws -> Response {
        if fd < 0 { try connect() }
        do {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
            try send(Array((head + "\r\n").utf8) + body)
            return try receive(method: method, keepBody: keepBody, onBody: onBody)
        } catch {
            disconnect()
            throw error
        }
    }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        pending.removeAll()
    }

    private func connect() throws {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        // A stuck server fails the request instead of hanging the bench.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw Failure("connect 127.0.0.1:\(port): \(reason)")
        }
        fd = socket
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// More bytes into `pending`; throws when the server closed the connection.
    private func fill() throws {
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw Failure(n == 0 ? "the server closed the connection" : "recv: \(String(cString: strerror(errno)))") }
        pending += scratch[0..<n]
    }

    private func line() throws -> String {
        while true {
            if let end = pending.firstIndex(of: 10) {
                let text = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                pending.removeFirst(end + 1)
                return text
            }
            guard pending.count < 64 << 10 else { throw Failure("a header line longer than 64 KiB") }
            try fill()
        }
    }

    private func receive(method: String, keepBody: Bool, onBody: (Int) -> Bool) throws -> Response {
        let statusLine = try line()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure("not an HTTP status line: \(statusLine.prefix(80))")
        }
        var headers: [String: String] = [:]
        while true {
            let header = try line()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { continue }
            let name = header[..<colon].lowercased(), value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        var response = Response(status: status, headers: headers, body: [], bodyBytes: 0)
        func take(_ count: Int) throws {
            var left = count
            while left > 0 {
                if pending.isEmpty { try fill() }
                let n = min(left, pending.count)
                if keepBody { response.body += pending[0..<n] }
                pending.removeFirst(n)
                response.bodyBytes += n
                left -= n
                guard onBody(n) else { throw Abandoned() }
            }
        }
        if method == "HEAD" || status == 204 || status == 304 { return response }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                guard let size = Int(try line().split(separator: ";").first ?? "", radix: 16) else { throw Failure("a bad chunk size") }
                if size == 0 { while try !line().isEmpty {}; break }
                try take(size)
                _ = try line()
            }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            try take(length)
        } else {
            throw Failure("a response with neither Content-Length nor chunks")
        }
        if headers["connection"]?.lowercased() == "close" { disconnect() }
        return response
    }
}
