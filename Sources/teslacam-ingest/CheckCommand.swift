import ArgumentParser
import Crypto
import Foundation
import X509

/// `teslacam-ingest check`: why a handshake would fail, in words, from the files on either side (the most common
/// trouble of Fleet Telemetry's users is a "bad certificate" with no reason given).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Explain whether a certificate (and key) will pass the other side's checks.")

    @Option(help: "The certificate to check (a device's, or the server's with --host).") var cert: String
    @Option(help: "Its private key, to check they belong together.") var key: String?
    @Option(help: "The CA the other side trusts (the operator's ca.pem).") var ca: String
    @Option(help: "Check it as the server's certificate for this host name.") var host: String?

    func run() throws {
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
            if !dnsNames.contains(host.lowercased()) && IPAddress(host) == nil {
                problems.append("hostname: \(host) is not among its names (\(dnsNames.joined(separator: ", "))); issue it with ca server \(host)")
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
            print("\(cert): chains to \(ca), valid until \(certificate.notValidAfter), subject \(certificate.subject): the handshake will pass.")
        } else {
            for problem in problems { print("\(cert): \(problem)") }
            throw ExitCode(1)
        }
    }
}
