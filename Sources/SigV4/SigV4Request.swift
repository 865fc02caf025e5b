/// What of an HTTP request SigV4 signs.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    /// The path as it goes on the wire, already percent-encoded (`/bucket/model3/Teslacam%20x.mp4`).
    public var encodedPath: String
    /// Query parameters, unencoded; the signer encodes and sorts them, and `canonicalQuery` is what to send.
    public var query: [(name: String, value: String)]
    /// Headers to sign (at least `host`); names are compared case-insensitively.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex sha256 of the body, or `UNSIGNED-PAYLOAD`. Sent as `x-amz-content-sha256` for S3.
    public var payloadHash: String

    public init(method: String, encodedPath: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.encodedPath = encodedPath
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    public var canonicalQuery: String { SigV4Encoding.canonicalQuery(query) }

    public static func == (lhs: SigV4Request, rhs: SigV4Request) -> Bool {
        lhs.method == rhs.method && lhs.encodedPath == rhs.encodedPath && lhs.payloadHash == rhs.payloadHash
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] }
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }

    /// The sha256 of an empty body, which GET, HEAD and DELETE carry.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
}
