import Crypto

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), pure: a request and a time in, the headers to add out.
///
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html. S3 does not normalise paths
/// and encodes them once (`doubleEncodePath: false`); the other services encode the path again.
public struct SigV4Signer: Sendable {
    public var region: String
    public var service: String
    public var doubleEncodePath: Bool

    public init(region: String, service: String = "s3", doubleEncodePath: Bool? = nil) {
        self.region = region
        self.service = service
        self.doubleEncodePath = doubleEncodePath ?? (service != "s3")
    }

    public static let algorithm = "AWS4-HMAC-SHA256"

    /// What signing produced, each step kept for tests and for explaining a `SignatureDoesNotMatch`.
    public struct Signature: Sendable, Equatable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        public var credentialScope: String
        /// The `Authorization` header's value.
        public var authorization: String
        /// Headers to send besides the request's own: `Authorization`, `x-amz-date`, and, when the request did
        /// not carry them, `x-amz-content-sha256` (S3) and `x-amz-security-token`.
        public var headers: [(name: String, value: String)]

        public static func == (lhs: Signature, rhs: Signature) -> Bool {
            lhs.authorization == rhs.authorization && lhs.canonicalRequest == rhs.canonicalRequest
        }
    }

    /// Signs `request` at `time`. The request's headers need `host`; `x-amz-date` (and for S3
    /// `x-amz-content-sha256`, and a session token) are added to what is signed when absent.
    public func sign(_ request: SigV4Request, credentials: SigV4Credentials, at time: SigV4Timestamp) -> Signature {
        var headers = request.headers
        var added: [(name: String, value: String)] = []
        func ensure(_ name: String, _ value: String) {
            if !headers.contains(where: { $0.name.lowercased() == name }) {
                headers.append((name, value))
                added.append((name, value))
            }
        }
        ensure("x-amz-date", time.amzDate)
        if service == "s3" { ensure("x-amz-content-sha256", request.payloadHash) }
        if let token = credentials.sessionToken { ensure("x-amz-security-token", token) }

        let canonicalHeaders = Self.canonicalHeaders(headers)
        let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")
        let path = canonicalPath(request.encodedPath)
        let canonicalRequest = [
            request.method.uppercased(), path, request.canonicalQuery,
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        let scope = "\(time.date)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            Self.algorithm, time.amzDate, scope,
            SigV4Encoding.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let key = signingKey(secret: credentials.secretAccessKey, date: time.date)
        let signature = SigV4Encoding.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                         signedHeaders: signedHeaders, credentialScope: scope, authorization: authorization,
                         headers: [("Authorization", authorization)] + added)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    public func signingKey(secret: String, date: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Lower-case names, values trimmed with inner runs of spaces folded to one, sorted by name; repeated
    /// names joined with commas in the order given.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        var order: [String] = []
        for header in headers {
            let name = header.name.lowercased().trimmed
            if merged[name] == nil { order.append(name) }
            merged[name, default: []].append(header.value.trimmed.foldingSpaces)
        }
        return order.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    func canonicalPath(_ encodedPath: String) -> String {
        let path = encodedPath.isEmpty ? "/" : encodedPath
        return doubleEncodePath ? SigV4Encoding.uriEncode(path, keepSlash: true) : path
    }
}

extension String {
    fileprivate var trimmed: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    fileprivate var foldingSpaces: String {
        var out = ""
        var lastWasSpace = false
        for character in self {
            if character == " " {
                if !lastWasSpace { out.append(character) }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        return out
    }
}
