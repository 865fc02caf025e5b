/// A refused tus request: the HTTP status and a message in words, sent as `{"error": ...}` (Fleet Telemetry's
/// responses are an ack, an error or a rate limit; never a bare status).
public struct TusError: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// Seconds the client should wait (429, 503).
    public var retryAfter: Int?
    /// tus headers the answer carries besides the body (a 409's `Upload-Offset`, where the upload really is).
    public var headers: [String: String]

    public init(_ status: Int, _ message: String, retryAfter: Int? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
        self.headers = headers
    }

    public var description: String { "\(status): \(message)" }

    public static func badRequest(_ message: String) -> TusError { TusError(400, message) }
    public static let notFound = TusError(404, "no such upload: it never existed, was terminated, or belongs to another device")
    /// tus's own status for a checksum that does not match the bytes sent.
    public static func checksumMismatch(_ algorithm: String) -> TusError {
        TusError(460, "the \(algorithm) checksum in Upload-Checksum does not match the bytes received; nothing of this request was kept, send it again")
    }
}
