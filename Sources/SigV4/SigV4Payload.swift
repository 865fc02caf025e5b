import Crypto

extension SigV4Request {
    /// Lower-case hex sha256 of a body, the value `payloadHash` and `x-amz-content-sha256` carry.
    public static func payloadHash<Bytes: Sequence>(of body: Bytes) -> String where Bytes.Element == UInt8 {
        SigV4Encoding.hex(SHA256.hash(data: Array(body)))
    }
}
