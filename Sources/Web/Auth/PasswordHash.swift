import Crypto
import Foundation
import _CryptoExtras

/// The owner's password as stored in `STATE/web-password`: PBKDF2-HMAC-SHA256 with a random 16-byte salt,
/// written as `pbkdf2-sha256$ROUNDS$SALT$HASH` (base64), so the round count can rise without breaking old files.
public struct PasswordHash: Equatable, Sendable, CustomStringConvertible {
    public static let algorithm = "pbkdf2-sha256"
    /// OWASP's floor for PBKDF2-SHA256 (and swift-crypto's): about 0.2 s on a desktop core, ~2 s on a Pi Zero 2 W.
    public static let defaultRounds = 210_000
    public static let fileName = "web-password"

    public let rounds: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong
        case malformed(String)
        public var description: String {
            switch self {
            case .empty: "the password is empty; type one (at least 8 characters)"
            case .tooLong: "the password is longer than 1024 bytes"
            case let .malformed(why): "the stored password hash is not readable (\(why)); set it again with `teslacam passwd --state DIR`"
            }
        }
    }

    /// Hashes `password` with a fresh salt.
    public init(password: String, rounds: Int = PasswordHash.defaultRounds) throws(Failure) {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        try self.init(password: password, salt: salt, rounds: rounds)
    }

    init(password: String, salt: [UInt8], rounds: Int) throws(Failure) {
        guard !password.isEmpty else { throw .empty }
        guard password.utf8.count <= 1024 else { throw .tooLong }
        self.rounds = rounds
        self.salt = salt
        self.hash = Self.derive(password, salt: salt, rounds: rounds)
    }

    /// Reads the stored form.
    public init(stored text: String) throws(Failure) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.algorithm else { throw .malformed("expected \(Self.algorithm)$ROUNDS$SALT$HASH") }
        guard let rounds = Int(parts[1]), rounds >= 1, rounds <= 100_000_000 else { throw .malformed("bad round count") }
        guard let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])),
              salt.count >= 8, hash.count == 32 else { throw .malformed("bad salt or hash") }
        self.rounds = rounds
        self.salt = Array(salt)
        self.hash = Array(hash)
    }

    public var description: String {
        "\(Self.algorithm)$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is the one hashed; compares in constant time.
    public func verifies(_ password: String) -> Bool {
        guard !password.isEmpty, password.utf8.count <= 1024 else { return false }
        return ConstantTime.equal(Self.derive(password, salt: salt, rounds: rounds), hash)
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) -> [UInt8] {
        // `unsafeUncheckedRounds`: the floor is enforced by `defaultRounds`; tests use fewer to stay fast.
        let key = try! KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                      outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Reads `STATE/web-password`; nil when no password was set.
    public static func load(state: String) throws -> PasswordHash? {
        let path = state + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try PasswordHash(stored: String(contentsOfFile: path, encoding: .utf8))
    }

    /// Writes `STATE/web-password` (mode 0600) atomically.
    public func save(state: String) throws {
        let path = state + "/" + Self.fileName
        let temporary = path + ".new"
        FileManager.default.createFile(atPath: temporary, contents: Data((description + "\n").utf8),
                                       attributes: [.posixPermissions: 0o600])
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
    }
}

enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func equal(_ a: String, _ b: String) -> Bool { equal(Array(a.utf8), Array(b.utf8)) }
}
