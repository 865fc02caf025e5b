import Crypto
import Foundation
import Synchronization

/// The SHA-256 of an upload's bytes so far, computed as they arrive, by upload id, on this instance only: when an
/// upload's every byte came through this instance, its ack needs no read-back of the whole object from the store
/// (which cost as much store traffic as the upload itself). An upload that moved between instances, or whose
/// digest was dropped (a failed write, an instance restart, more uploads in flight than `capacity`), is read back as
/// before: correctness never depends on this cache.
final class StreamDigests: Sendable {
    struct Running {
        var hash = SHA256()
        /// Bytes hashed: the upload's offset they reach.
        var count: Int64 = 0
        mutating func update(_ bytes: some DataProtocol) {
            hash.update(data: bytes)
            count += Int64(bytes.count)
        }
    }

    /// SHA256 is a value of plain bytes but not marked Sendable; every access is under the lock.
    private struct Entries: @unchecked Sendable { var byID: [String: Running] = [:] }
    private let entries = Mutex(Entries())
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The digest to continue at `offset` (taken out: a PATCH that fails leaves none behind), fresh at 0, or nil.
    func take(_ id: String, at offset: Int64) -> Running? {
        let found = entries.withLock { $0.byID.removeValue(forKey: id) }
        if offset == 0 { return Running() }
        return found?.count == offset ? found : nil
    }

    func keep(_ id: String, _ running: Running) {
        let kept = Entries(byID: [id: running])
        entries.withLock { entries in
            if entries.byID.count >= capacity, let any = entries.byID.keys.first { entries.byID.removeValue(forKey: any) }
            entries.byID.merge(kept.byID) { $1 }
        }
    }

    func forget(_ id: String) { _ = entries.withLock { $0.byID.removeValue(forKey: id) } }
}
