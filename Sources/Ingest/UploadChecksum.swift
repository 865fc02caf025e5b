import Crypto
import Foundation

/// The checksum extension's `Upload-Checksum: <algorithm> <base64 digest>` of one PATCH's bytes.
public struct UploadChecksum: Equatable, Sendable {
    public enum Algorithm: String, Sendable { case sha1, sha256 }
    public var algorithm: Algorithm
    public var digest: [UInt8]

    public init(header: String) throws(TusError) {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw .badRequest("Upload-Checksum must be \"<algorithm> <base64 digest>\", e.g. \"sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=\"")
        }
        guard let algorithm = Algorithm(rawValue: parts[0].lowercased()) else {
            throw .badRequest("Upload-Checksum algorithm \(parts[0]) is not supported: use one of \(Tus.checksumAlgorithms)")
        }
        guard let digest = Data(base64Encoded: String(parts[1])),
              digest.count == (algorithm == .sha1 ? Insecure.SHA1.byteCount : SHA256.byteCount) else {
            throw .badRequest("Upload-Checksum's digest is not the base64 of a \(algorithm.rawValue) digest")
        }
        self.algorithm = algorithm
        self.digest = Array(digest)
    }

    /// A running digest of the bytes as they arrive.
    public struct Hasher {
        private var sha1 = Insecure.SHA1()
        private var sha256 = SHA256()
        public let algorithm: Algorithm
        public init(_ algorithm: Algorithm) { self.algorithm = algorithm }

        public mutating func update<D: DataProtocol>(_ bytes: D) {
            switch algorithm {
            case .sha1: sha1.update(data: bytes)
            case .sha256: sha256.update(data: bytes)
            }
        }

        public func finalize() -> [UInt8] {
            switch algorithm {
            case .sha1: Array(sha1.finalize())
            case .sha256: Array(sha256.finalize())
            }
        }
    }

    public func verify(_ hasher: Hasher) throws(TusError) {
        guard hasher.finalize() == digest else { throw .checksumMismatch(algorithm.rawValue) }
    }
}
