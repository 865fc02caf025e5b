import Foundation
import Outbound

/// The creation extension's `Upload-Metadata`: comma-separated `key base64value` pairs. A TeslaCam upload must
/// carry `path` (the archive path), `kind` (a record kind) and `sha256` (hex, of the whole file); any other keys
/// (the event.json fields: `event.reason`, `event.city`, ...) are kept and catalogued as the event's.
public struct UploadMetadata: Equatable, Sendable {
    public var path: ArchivePath
    public var kind: RecordKind
    /// Lower-case hex of the whole file's SHA-256.
    public var sha256: String
    /// Every pair as sent, decoded (path, kind and sha256 included).
    public var fields: [String: String]

    public init(header: String?) throws(TusError) {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .badRequest("Upload-Metadata is missing: a TeslaCam upload names its path, kind and sha256 there")
        }
        guard header.utf8.count <= Tus.maxMetadataBytes else {
            throw .badRequest("Upload-Metadata is \(header.utf8.count) bytes, more than the \(Tus.maxMetadataBytes) allowed")
        }
        var fields: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, !key.isEmpty,
                  key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0 != "," }) else {
                throw .badRequest("Upload-Metadata pair \"\(pair.prefix(80))\" is not \"key base64value\"")
            }
            guard fields[String(key)] == nil else { throw .badRequest("Upload-Metadata names \(key) twice") }
            var value = ""
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8) else {
                    throw .badRequest("Upload-Metadata value of \(key) is not base64 of UTF-8 text")
                }
                value = text
            }
            fields[String(key)] = value
        }
        guard let path = fields["path"] else { throw .badRequest("Upload-Metadata has no path (the archive path of the file)") }
        self.path = try ArchivePath(path)
        guard let kindName = fields["kind"] else { throw .badRequest("Upload-Metadata has no kind (one of \(Self.fileKinds))") }
        guard let kind = RecordKind(rawValue: kindName), kind.carriesFile else {
            throw .badRequest("Upload-Metadata kind \"\(kindName)\" is not one of \(Self.fileKinds)")
        }
        self.kind = kind
        guard let sha = fields["sha256"]?.lowercased(), sha.utf8.count == 64,
              sha.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .badRequest("Upload-Metadata sha256 must be the 64 hex digits of the file's SHA-256")
        }
        sha256 = sha
        self.fields = fields
    }

    static var fileKinds: String { RecordKind.allCases.filter(\.carriesFile).map(\.rawValue).joined(separator: ", ") }

    /// The fields that describe the event (everything but the upload's own keys).
    public var eventFields: [String: String] { fields.filter { !["path", "kind", "sha256", "filename", "filetype"].contains($0.key) } }
}

/// A file's path inside the board's archive, as the object key's tail: relative, no `.`/`..` parts, no
/// backslashes or control characters, so `<prefix><device>/<path>` stays inside the device's keys.
public struct ArchivePath: Equatable, Sendable, CustomStringConvertible {
    public let value: String
    public var description: String { value }

    public init(_ text: String) throws(TusError) {
        guard !text.isEmpty, text.utf8.count <= 1024 else {
            throw .badRequest("path must be 1 to 1024 bytes long")
        }
        guard !text.hasPrefix("/") else { throw .badRequest("path \"\(text)\" must be relative to the archive (no leading /)") }
        guard !text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 || $0 == "\\" }) else {
            throw .badRequest("path must not hold control characters or backslashes")
        }
        for part in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part != ".", part != ".." else {
                throw .badRequest("path \"\(text)\" must not have empty, . or .. parts: it would leave the device's folder")
            }
        }
        value = text
    }
}
