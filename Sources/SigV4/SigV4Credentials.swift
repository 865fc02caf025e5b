/// The keys a request is signed with. The secret never leaves the signer: `description` shows only the key id.
public struct SigV4Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// Temporary credentials (STS) carry a session token, sent as `x-amz-security-token` and signed.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "SigV4Credentials(\(accessKeyId), secret redacted)" }
}
