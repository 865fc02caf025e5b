import HummingbirdTLS
import NIOSSL

/// HTTPS for the web UI: a certificate chain and its key in PEM files (`web.tls` in the config). A board on the
/// car's or a phone's hotspot has no public name, so this is usually a certificate the owner made (openssl) or one
/// from their own CA; the point is that the password and the session cookie do not cross the Wi-Fi in clear.
public struct WebTLS: Sendable, Equatable {
    public var certFile: String
    public var keyFile: String

    public init(certFile: String, keyFile: String) {
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// The server side's configuration, or an error naming the file and the config key to fix.
    func serverConfiguration() throws(WebError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certFile) } catch {
            throw WebError(.internalServerError, "web.tls.certFile: \(certFile) is not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw WebError(.internalServerError, "web.tls.certFile: \(certFile) holds no certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw WebError(.internalServerError, "web.tls.keyFile: \(keyFile) is not a readable PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // Made once here for its checks (a key that is not the certificate's fails only here, and would otherwise
        // surface as the server failing to start with "failedToLoadPrivateKey").
        do { _ = try NIOSSLContext(configuration: configuration) } catch {
            throw WebError(.internalServerError, "web.tls: \(certFile) and \(keyFile) do not make a TLS server (\(error)); is the key the certificate's?")
        }
        return configuration
    }
}
