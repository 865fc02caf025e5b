import Foundation
import Outbound

/// Where one tus upload is, kept in the object store itself (a small JSON object beside the multipart upload) so
/// that any instance can continue it: instances hold nothing an upload needs.
public struct UploadState: Codable, Equatable, Sendable {
    public struct Part: Codable, Equatable, Sendable {
        public var number: Int
        public var etag: String
        public var size: Int64
        public init(number: Int, etag: String, size: Int64) { self.number = number; self.etag = etag; self.size = size }
    }

    public var id: String
    public var device: String
    public var path: String
    public var kind: RecordKind
    public var sha256: String
    public var length: Int64
    public var metadata: [String: String]
    /// Where the finished object goes.
    public var objectKey: String
    /// The store's multipart upload id; nil once completed (or for an empty file).
    public var multipartID: String?
    /// Parts uploaded, in order; each at least the store's minimum but the last.
    public var parts: [Part]
    /// Bytes received but not yet a part (fewer than a part's size), kept in a tail object.
    public var tailSize: Int64
    /// Set once the object is stored and catalogued: the upload is acknowledged.
    public var completed: Bool
    /// The same device, path and sha256 were already stored: nothing to send.
    public var alreadyStored: Bool
    public var created: Double
    public var updated: Double

    public init(id: String, device: String, metadata: UploadMetadata, length: Int64, objectKey: String, now: Double) {
        self.id = id
        self.device = device
        path = metadata.path.value
        kind = metadata.kind
        sha256 = metadata.sha256
        self.length = length
        self.metadata = metadata.fields
        self.objectKey = objectKey
        multipartID = nil
        parts = []
        tailSize = 0
        completed = false
        alreadyStored = false
        created = now
        updated = now
    }

    /// Bytes received and kept: what HEAD answers as Upload-Offset.
    public var offset: Int64 { completed ? length : parts.reduce(0) { $0 + $1.size } + tailSize }

    public func expires(after seconds: Int64) -> Double { updated + Double(seconds) }

    /// How many bytes of `buffered` (the tail plus what arrived) to cut into parts of `partSize` now; at the end of
    /// the upload the remainder becomes the last part, which S3 lets be small.
    public static func partCuts(buffered: Int64, partSize: Int64, final: Bool) -> [Int64] {
        var cuts: [Int64] = []
        var left = buffered
        while left >= partSize { cuts.append(partSize); left -= partSize }
        if final && left > 0 { cuts.append(left) }
        return cuts
    }

    /// The size of the part starting at `start` if all its bytes come in a PATCH that ends at `patchEnd` (so it can
    /// be stored while they arrive), else nil: a whole part, or the upload's last part; the same cuts as `partCuts`.
    public static func streamedPart(start: Int64, patchEnd: Int64, length: Int64, partSize: Int64) -> Int64? {
        guard start < length, patchEnd <= length else { return nil }
        if start + partSize <= patchEnd { return partSize }
        return patchEnd == length ? length - start : nil
    }
}

/// Object keys: `<prefix><device>/<path>` for files, `<prefix>.tus/<id>.*` for upload state.
public struct ObjectKeys: Sendable {
    public var prefix: String
    public init(prefix: String) { self.prefix = prefix }
    public func file(device: String, path: ArchivePath) -> String { "\(prefix)\(device)/\(path.value)" }
    public func state(_ id: String) -> String { "\(prefix).tus/\(id).json" }
    public func tail(_ id: String) -> String { "\(prefix).tus/\(id).tail" }
}
