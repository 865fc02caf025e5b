import CarFS
import Catalog
import Synchronization
import Volume

/// A clip the car is still writing, read through the engine as `MOUNTPOINT/live/` does: cluster by cluster of its
/// chain, up to the size its directory entry says now (bytes still in the write cache included). Anything else,
/// and a growing clip the car's tree no longer names, comes from `archive`.
public final class LiveClipStore: ClipStore {
    let engine: VolumeEngine
    let archive: any ClipStore
    /// The car's tree by path, rebuilt at most twice a second: a tree walk takes the engine's lock.
    private let snapshot = Mutex<(taken: ContinuousClock.Instant, files: [String: CarFile])?>(nil)
    private static let refreshInterval: Duration = .milliseconds(500)

    public init(engine: VolumeEngine, archive: any ClipStore) {
        self.engine = engine
        self.archive = archive
    }

    public func open(_ clip: ClipRecord) throws(ClipStoreError) -> any ClipReader {
        guard clip.state == .growing, let file = carFile(clip.carPath) else { return try archive.open(clip) }
        return EngineClipReader(engine: engine, file: file)
    }

    /// The car file at `path` in the tree as the volume describes it now.
    func carFile(_ path: String) -> CarFile? {
        let now = ContinuousClock.now
        if let current = snapshot.withLock({ $0 }), now - current.taken < Self.refreshInterval {
            return current.files[path]
        }
        var files: [String: CarFile] = [:]
        for file in engine.carTree()?.files ?? [] where !file.isDirectory { files[file.pathString] = files[file.pathString] ?? file }
        snapshot.withLock { $0 = (now, files) }
        return files[path]
    }
}

struct EngineClipReader: ClipReader {
    let engine: VolumeEngine
    let file: CarFile
    var length: UInt64 { file.size }

    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
        guard offset < file.size, count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(min(UInt64(count), file.size - offset)))
        let n = bytes.withUnsafeMutableBytes { engine.read(file: file, into: $0, at: offset) }
        return Array(bytes.prefix(n))
    }
}
