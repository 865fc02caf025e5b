import Ingest
import NIOCore
import NIOSSL
import X509

/// The device behind a connection: its client certificate's subject common name. The handshake already checked
/// that the certificate chains to the operator's CA; here the name is read and checked against the allowlist.
enum DeviceIdentity {
    static func device(on channel: any Channel, allow: Set<String>?) async throws(TusError) -> String {
        let peer: NIOSSLCertificate?
        do { peer = try await channel.nioSSL_peerCertificate().get() } catch {
            throw TusError(403, "no client certificate on this connection: connect with the device's certificate and key")
        }
        guard let peer else { throw TusError(403, "no client certificate on this connection: connect with the device's certificate and key") }
        let name: String?
        do { name = try commonName(Certificate(derEncoded: peer.toDERBytes())) } catch {
            throw TusError(403, "the client certificate cannot be read: \(error)")
        }
        guard let name else {
            throw TusError(403, "the client certificate has no subject common name (CN), which is the device id; issue it with teslacam-ingest ca issue DEVICE")
        }
        let device = try DeviceID.validate(name)
        if let allow, !allow.contains(device) {
            throw TusError(403, "device \"\(device)\" is not on this server's devices.allow list: the operator adds it there (or it was revoked)")
        }
        return device
    }

    static func commonName(_ certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let text = String(attribute.value) { return text }
            }
        }
        return nil
    }
}
