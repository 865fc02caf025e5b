import ArgumentParser
import Crypto
import Foundation
import SwiftASN1
import X509

/// The operator's certificate authority: `ca init` once, `ca issue DEVICE` per board, `ca server HOST` for the
/// ingest server. P-256 keys; the CA's key stays in its folder (mode 0600).
struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Create the fleet's CA and issue device and server certificates.",
        subcommands: [Init.self, Issue.self, Server.self])

    struct Folder: ParsableArguments {
        @Option(help: "Where the CA lives (ca.pem, ca.key) and certificates are written.")
        var dir: String = "/etc/teslacam-ingest"
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the operator's CA.")
        @OptionGroup var folder: Folder
        @Option(help: "The CA's name.") var name: String = "TeslaCam fleet CA"
        @Option(help: "Days the CA is valid.") var days: Int = 3650

        func run() throws {
            let authority = CertificateAuthority(folder: folder.dir)
            if FileManager.default.fileExists(atPath: authority.certFile) {
                throw ValidationError("\(authority.certFile) exists already: a second CA would orphan every device certificate; remove it first if you mean it")
            }
            try authority.create(name: name, days: days)
            print("Created the CA: \(authority.certFile) (give to the ingest server as tls.caFile, and to each board as caFile)")
            print("and its key \(authority.keyFile) (keep it here, mode 0600; it signs every device).")
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue a device certificate (CN = the device id).")
        @OptionGroup var folder: Folder
        @Argument(help: "The device id, e.g. model3-oslo (letters, digits, . _ -).") var device: String
        @Option(help: "Days the certificate is valid.") var days: Int = 825
        @Option(help: "The ingest server's URL, for the printed board config.") var url: String = "https://ingest.example.com:8443/files/"

        func run() throws {
            let authority = CertificateAuthority(folder: folder.dir)
            let (cert, key) = try authority.issue(commonName: device, days: days, server: nil)
            print("Issued \(cert) and \(key) for device \(device).")
            print("Copy both and \(authority.certFile) to the board's /etc/teslacam/fleet/, then add to its config's sinks:")
            print("""
                "fleet": { "type": "fleet", "url": "\(url)",
                           "certFile": "/etc/teslacam/fleet/\(device).pem", "keyFile": "/etc/teslacam/fleet/\(device).key",
                           "caFile": "/etc/teslacam/fleet/ca.pem" }
                """)
        }
    }

    struct Server: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "server", abstract: "Issue the ingest server's certificate.")
        @OptionGroup var folder: Folder
        @Argument(help: "Host names and IP addresses the boards connect to.") var names: [String]
        @Option(help: "Days the certificate is valid.") var days: Int = 825

        func run() throws {
            guard let first = names.first else { throw ValidationError("name at least one host the boards connect to") }
            let authority = CertificateAuthority(folder: folder.dir)
            let (cert, key) = try authority.issue(commonName: first, days: days, server: names)
            print("Issued the server certificate \(cert) and key \(key): tls.certFile and tls.keyFile of the ingest config.")
        }
    }
}

struct CertificateAuthority {
    let folder: String
    var certFile: String { folder + "/ca.pem" }
    var keyFile: String { folder + "/ca.key" }

    func create(name: String, days: Int) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        try write(key.pemRepresentation, to: keyFile, secret: true)
        try write(try certificate.serializeAsPEM().pemString, to: certFile, secret: false)
    }

    /// A leaf: a device's (client auth) or, with `server` names, the ingest server's (server auth, SANs).
    func issue(commonName: String, days: Int, server: [String]?) throws -> (cert: String, key: String) {
        guard FileManager.default.fileExists(atPath: certFile) else {
            throw ValidationError("no CA in \(folder): run teslacam-ingest ca init --dir \(folder) first")
        }
        if server == nil {
            guard !commonName.isEmpty, commonName.count <= 64, !commonName.hasPrefix("."),
                  commonName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ValidationError("\"\(commonName)\" is not a device id: 1 to 64 letters, digits, '.', '_' or '-'")
            }
        }
        let caCertificate = try Certificate(pemEncoded: String(contentsOfFile: certFile, encoding: .utf8))
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: keyFile, encoding: .utf8))
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: caCertificate.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([server == nil ? .clientAuth : .serverAuth])
                AuthorityKeyIdentifier(keyIdentifier: try caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                if let server {
                    SubjectAlternativeNames(server.map { name in
                        if let ip = IPAddress(name) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip.bytes))) }
                        return .dnsName(name)
                    })
                }
            },
            issuerPrivateKey: .init(caKey))
        let base = server == nil ? "\(folder)/devices/\(commonName)" : "\(folder)/server"
        try FileManager.default.createDirectory(atPath: (base as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try write(key.pemRepresentation, to: base + ".key", secret: true)
        try write(try certificate.serializeAsPEM().pemString, to: base + ".pem", secret: false)
        return (base + ".pem", base + ".key")
    }

    private func write(_ text: String, to path: String, secret: Bool) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data((text + "\n").utf8),
                                             attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
            throw ValidationError("cannot write \(path)")
        }
    }
}

/// A dotted IPv4 or an IPv6 address's bytes, for a subject alternative name.
struct IPAddress {
    var bytes: [UInt8]
    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { bytes = withUnsafeBytes(of: v4) { Array($0) }; return }
        if inet_pton(AF_INET6, text, &v6) == 1 { bytes = withUnsafeBytes(of: v6) { Array($0) }; return }
        return nil
    }

    /// An address name's bytes as text again (4 bytes: dotted IPv4, 16: IPv6).
    static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.count == 4 || bytes.count == 16, inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else {
            return bytes.map { String($0) }.joined(separator: ".")
        }
        return String(cString: buffer)
    }
}
