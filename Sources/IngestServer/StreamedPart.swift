import Crypto
import Foundation
import NIOCore
import SigV4

/// One part of an upload's multipart object, PUT to the store while its bytes still arrive in the PATCH (the
/// store's work overlaps the client's instead of following it). Nothing of it counts until it has landed and the
/// upload's state records it: the PATCH's answer still claims only stored bytes.
///
/// - The part's last bytes are held back until the PATCH releases them (`commit`): after it renewed its lease, and
///   with an `Upload-Checksum` after the request was verified. The store keeps a part only once its whole
///   Content-Length has arrived, so a part of a PATCH that lost its lease or failed its checksum is never kept.
/// - Its payload is not signed (its hash is not known when the PUT starts); its check is the part's ETag, the MD5
///   of what the store received on S3, MinIO and Ceph. A part whose ETag is something else (SSE-KMS) is still
///   kept, but the upload's ack then reads the object back instead of trusting its stream digest.
/// - Its bytes are kept (shared with the PATCH's buffers, not copied) until it lands: if the streamed PUT fails
///   (the store's idle timeout on a slow client), the part is PUT again from them, signed; after a cut they
///   become the upload's tail.
final class StreamedPart {
    let number: Int
    let size: Int64
    private(set) var received: Int64 = 0
    private var kept: [ByteBuffer] = []
    private var held: ByteBuffer?
    private var md5 = Insecure.MD5()
    private let pipe: BodyPipe
    private let key: String
    private let uploadID: String
    private let upload: Task<Result<String, any Error>, Never>

    init(store: ObjectStore, key: String, uploadID: String, number: Int, size: Int64) {
        self.number = number
        self.size = size
        self.key = key
        self.uploadID = uploadID
        let pipe = BodyPipe()
        self.pipe = pipe
        upload = Task {
            do { return .success(try await store.uploadPart(key, uploadID: uploadID, number: number, streaming: pipe, length: size)) } catch {
                return .failure(error)
            }
        }
    }

    var isFull: Bool { received == size }

    /// Takes from `buffer` what belongs to this part (the rest stays in `buffer`).
    func take(_ buffer: inout ByteBuffer) {
        let n = Int(min(Int64(buffer.readableBytes), size - received))
        guard n > 0, let slice = buffer.readSlice(length: n) else { return }
        received += Int64(n)
        slice.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
        kept.append(slice)
        if isFull { held = slice } else { pipe.feed(slice) }
    }

    /// Lets the store have the part's last bytes: from now on it may keep the part.
    func commit() {
        if let held { pipe.feed(held) }
        held = nil
    }

    /// The bytes taken so far (a cut PATCH keeps them as the upload's tail).
    var bytes: [UInt8] { kept.reduce(into: []) { $0.append(contentsOf: $1.readableBytesView) } }

    /// Stops the PUT before its last byte, so the store keeps nothing of it, and waits until it has stopped.
    func abandon() async {
        pipe.abort()
        _ = await upload.value
    }

    /// The committed part stored: its ETag, and whether the ETag vouches for its bytes (their MD5).
    func land(_ store: ObjectStore) async throws -> (etag: String, verified: Bool) {
        switch await upload.value {
        case let .success(etag):
            let expected = SigV4Encoding.hex(Array(md5.finalize()))
            return (etag, etag.trimmingCharacters(in: ["\"", " "]).lowercased() == expected)
        case .failure:
            // Signed this time: the store checks the payload hash, so the part is verified.
            return (try await store.uploadPart(key, uploadID: uploadID, number: number, bytes), true)
        }
    }
}
