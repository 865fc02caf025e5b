import Foundation

/// The tus 1.0 protocol's fixed answers and header parsing: pure, so each refusal is tested without a server.
public enum Tus {
    public static let version = "1.0.0"
    public static let extensions = "creation,checksum,termination,expiration"
    public static let checksumAlgorithms = "sha1,sha256"
    public static let offsetContentType = "application/offset+octet-stream"
    /// Upload-Metadata larger than this is refused: paths and event fields are short; a large header is abuse.
    public static let maxMetadataBytes = 4096

    /// Every request but OPTIONS must say which protocol version it speaks.
    public static func checkResumable(_ value: String?) throws(TusError) {
        guard let value else {
            throw TusError(412, "Tus-Resumable is missing: this server speaks tus \(version); send Tus-Resumable: \(version)")
        }
        guard value.trimmingCharacters(in: .whitespaces) == version else {
            throw TusError(412, "Tus-Resumable \(value) is not supported: this server speaks tus \(version) only")
        }
    }

    /// A non-negative decimal header (Upload-Offset, Upload-Length): digits only, as tus requires.
    public static func nonNegative(_ value: String?, header: String) throws(TusError) -> Int64 {
        guard let value else { throw .badRequest("\(header) is missing") }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 18, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int64(trimmed) else {
            throw .badRequest("\(header) \"\(value)\" is not a number of bytes (digits only, 0 or more)")
        }
        return number
    }

    /// The PATCH body's declared type.
    public static func checkPatchContentType(_ value: String?) throws(TusError) {
        guard value?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == offsetContentType else {
            throw TusError(415, "a PATCH must have Content-Type: \(offsetContentType) (found \(value ?? "none"))")
        }
    }

    /// The PATCH's Upload-Offset against where the upload is: tus answers 409 to any other offset.
    public static func checkOffset(_ claimed: Int64, actual: Int64) throws(TusError) {
        guard claimed == actual else {
            throw TusError(409, "Upload-Offset \(claimed) is not where this upload is (\(actual) bytes received); "
                                + "ask with HEAD and continue from there")
        }
    }

    /// Upload ids are ours (32 hex digits): anything else cannot name an upload, and never reaches a store key.
    public static func isUploadID(_ text: Substring) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
