import ArgumentParser
import Crypto
import Foundation
import SwiftASN1
import X509

/// `teslacam-ingest check`: why a handshake would fail, in words, from the files on either side (the most common
/// trouble of Fleet Telemetry's users is a "bad certificate" with no reason given), and with `--url` from a real
/// handshake with the running server.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Explain whether a certificate (and key) will pass the other side's checks.",
        discussion: """
            On a board: check --cert device.pem --key device.key --ca ca.pem [--url https://ingest.example.com:8443/files/]
            On the server: check --cert server.pem --key server.key --ca ca.pem --host ingest.example.com
            """)

    @Option(help: "The certificate to check (a device's, or the server's with --host).") var cert: String?
    @Option(help: "Its private key, to check they belong together.") var key: String?
    @Option(help: "The CA the other side trusts (the operator's ca.pem).") var ca: String
    @Option(help: "Check it as the server's certificate for this host name or IP address.") var host: String?
    @Option(help: "Also shake hands with the ingest server at this URL, as a board does.") var url: String?

    func validate() throws {
        if cert == nil && url == nil { throw ValidationError("give --cert (a certificate to check), --url (a server to try), or both") }
        if host != nil && url != nil { throw ValidationError("--host checks a server's certificate, --url a device's against the server: one at a time") }
    }

    func run() throws {
        var problems: [String] = []
        if let cert { problems += try fileProblems(cert: cert) }
        if let url {
            let outcome = HandshakeProbe(url: url, certFile: cert, keyFile: key ?? cert.map(Self.keyBeside), caFile: ca).run()
            if outcome.passed { print("\(url): \(outcome.words).") } else { problems.append(outcome.words) }
        }
        let shown = cert ?? url ?? ""
        if problems.isEmpty {
            if cert != nil && url == nil { print("\(shown): the handshake will pass.") }
        } else {
            for problem in problems { print("\(shown): \(problem)") }
            throw ExitCode(1)
        }
    }

    /// device.pem's key as `ca issue` writes it: device.key beside it.
    static func keyBeside(_ cert: String) -> String { (cert as NSString).deletingPathExtension + ".key" }

    /// What the files alone show: the chain, the dates, the usage and names, the key.
    private func fileProblems(cert: String) throws -> [String] {
        var problems: [String] = []
        let certificate: Certificate
        let authority: Certificate
        do { certificate = try Certificate(pemEncoded: String(contentsOfFile: cert, encoding: .utf8)) } catch {
            throw ValidationError("\(cert) is not a PEM certificate: \(error)")
        }
        do { authority = try Certificate(pemEncoded: String(contentsOfFile: ca, encoding: .utf8)) } catch {
            throw ValidationError("\(ca) is not a PEM certificate: \(error)")
        }
        if certificate.issuer != authority.subject || !authority.publicKey.isValidSignature(certificate.signature, for: certificate) {
            problems.append("wrong CA: \(cert) was issued by \"\(certificate.issuer)\", not signed by \(ca) (\"\(authority.subject)\"); "
                            + "issue it again with teslacam-ingest ca issue, or give the other side the CA that signed it")
        }
        let now = Date()
        if certificate.notValidAfter < now { problems.append("expired on \(certificate.notValidAfter): issue a new one") }
        if certificate.notValidBefore > now { problems.append("not valid before \(certificate.notValidBefore): is this machine's clock right?") }
        if authority.notValidAfter < now { problems.append("the CA expired on \(authority.notValidAfter)") }
        let usage = try? certificate.extensions.extendedKeyUsage
        if let host {
            if let usage, !usage.contains(.serverAuth) { problems.append("not for servers (no serverAuth in its extended key usage)") }
            let names = (try? certificate.extensions.subjectAlternativeNames).map { Array($0) } ?? []
            let dnsNames = names.compactMap { if case let .dnsName(name) = $0 { name } else { nil } }
            let addresses = names.compactMap { if case let .ipAddress(bytes) = $0 { Array(bytes.bytes) } else { nil } }
            // An address is matched against the IP names only (as TLS clients do), a host name against the DNS ones.
            let matches = IPAddress(host).map { addresses.contains($0.bytes) } ?? dnsNames.contains(host.lowercased())
            if !matches {
                let shown = dnsNames + addresses.map(IPAddress.text)
                problems.append("hostname: \(host) is not among its names (\(shown.joined(separator: ", "))); "
                                + "issue it again with teslacam-ingest ca server \((shown + [host]).joined(separator: " "))")
            }
        } else {
            if let usage, !usage.contains(.clientAuth) { problems.append("not for clients (no clientAuth in its extended key usage)") }
            var commonName: String?
            for rdn in certificate.subject { for attribute in rdn where attribute.type == .RDNAttributeType.commonName { commonName = String(attribute.value) } }
            if commonName == nil { problems.append("no subject common name: the server takes the device id from it") }
        }
        if let key {
            do {
                let privateKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: key, encoding: .utf8))
                if Certificate.PublicKey(privateKey.publicKey) != certificate.publicKey {
                    problems.append("\(key) is not the key of \(cert): the handshake fails with a missing or wrong client certificate")
                }
            } catch { problems.append("\(key) is not a P-256 PEM key: \(error)") }
        }
        if problems.isEmpty {
            print("\(cert): chains to \(ca), valid until \(certificate.notValidAfter), subject \(certificate.subject).")
        }
        return problems
    }
}
