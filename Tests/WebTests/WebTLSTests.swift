import Foundation
import Testing
@testable import Web

/// `web.tls`: the real server on loopback serving HTTPS with a certificate made by openssl, checked by curl (an
/// independent client) against that certificate; the login cookie is Secure; plain HTTP gets no page.
@Suite("Web TLS", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
                                 && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs openssl and curl"))
struct WebTLSTests {
    typealias Output = (status: Int32, output: String)

    static func sh(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// curl waits up to 15 minutes: the server's handlers run on the cooperative pool, which the rest of the
    /// suite's blocking tests can hold for minutes on a loaded two-core CI machine (a 60 s limit timed out there).
    /// Runs `body` on a thread of its own: `start()` and curl block while the server's handlers need the
    /// cooperative pool (two threads on a two-core machine, which blocked tests would otherwise hold).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func certificate(_ base: String, names: String? = "DNS:localhost,IP:127.0.0.1") throws -> Output {
        try sh(["/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=teslacam.local"] + (names.map { ["-addext", "subjectAltName=" + $0] } ?? [])
               + ["-keyout", base + ".key", "-out", base + ".pem"])
    }

    @Test func theWebUIServesHTTPSAndTheSessionCookieIsSecure() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let base = fixture.directory + "/web"
        let made = try Self.certificate(base)
        try #require(made.status == 0, "\(made.output)")
        let server = fixture.server(tls: WebTLS(certFile: base + ".pem", keyFile: base + ".key"))
        let (page, login, untrusted, plain, last) = try await Self.offPool { () throws -> (Output, Output, Output, Output, Output) in
            let running = try server.start()
            let url = "https://127.0.0.1:\(running.port)"
            let cert = base + ".pem"
            // Stopped only after a last good request: connections are taken in order, so every earlier one has
            // left the server's queue by then. (Stopping with one still queued, as a starved cooperative pool on a
            // loaded CI machine left it, traps in NIO: "Deinited NIOAsyncWriter without calling finish()".)
            defer { running.stop() }
            func lastRequest() throws -> Output {
                try Self.sh(["/usr/bin/curl", "-sS", "-m", "900", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}", url + "/"])
            }
            return (try Self.sh(["/usr/bin/curl", "-sS", "-m", "900", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code} %{scheme}", url + "/"]),
                    try Self.sh(["/usr/bin/curl", "-sS", "-m", "900", "--cacert", cert, "-D", "-", "-o", "/dev/null", "-H", "Content-Type: application/json",
                                 "--data", #"{"password":"\#(WebFixture.password)"}"#, url + "/api/login"]),
                    // A client that does not trust the certificate stops at the handshake.
                    try Self.sh(["/usr/bin/curl", "-sS", "-m", "900", "-o", "/dev/null", url + "/"]),
                    // Plain HTTP on the port gets no page.
                    try Self.sh(["/usr/bin/curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(running.port)/"]),
                    try lastRequest())
        }
        #expect(last.output == "200", "\(last)")
        #expect(page.output == "200 HTTPS", "\(page.output)")
        let cookie = login.output.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        #expect(cookie.contains("teslacam_session=") && cookie.contains("; Secure") && cookie.contains("HttpOnly"), "\(login.output)")
        #expect(untrusted.status == 60, "\(untrusted)")
        #expect(plain.status != 0 || plain.output != "200", "\(plain)")
    }

    @Test func aMissingOrWrongCertificateIsRefusedInWordsAtStart() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let a = fixture.directory + "/a", b = fixture.directory + "/b"
        for name in [a, b] { try #require(try Self.certificate(name, names: nil).status == 0) }
        let missing = fixture.server(tls: WebTLS(certFile: fixture.directory + "/none.pem", keyFile: fixture.directory + "/none.key"))
        let mismatched = fixture.server(tls: WebTLS(certFile: a + ".pem", keyFile: b + ".key"))
        let errors = try await Self.offPool { () -> [String] in
            [missing, mismatched].map { server in
                do { let running = try server.start(); running.stop(); return "started" } catch { return "\(error)" }
            }
        }
        #expect(errors[0].contains("web.tls.certFile: \(fixture.directory)/none.pem is not a readable PEM certificate"), "\(errors[0])")
        #expect(errors[1].contains("web.tls: \(a).pem and \(b).key do not make a TLS server"), "\(errors[1])")
    }
}
