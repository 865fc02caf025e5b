#if canImport(Glibc)
import Glibc
#endif
import CarFS
import FAT32
import Synchronization
import Volume

/// `MOUNTPOINT/live/`: the car's current tree, read-only, each file read through the volume as it is being
/// reconstructed, so a clip can be watched while the car records it.
final class LiveView: Sendable {
    static let name = "live"
    let engine: VolumeEngine
    /// The tree is rebuilt at most this often: listing must not cost the car's writes a tree walk each.
    private static let refreshInterval: Duration = .milliseconds(500)
    private let snapshot = Mutex<(taken: ContinuousClock.Instant, index: Index)?>(nil)

    init(engine: VolumeEngine) { self.engine = engine }

    enum Node: Sendable {
        case directory(children: [String], modified: DOSDateTime?)
        case file(CarFile)
    }

    struct Index: Sendable {
        var nodes: [String: Node] = [:]
    }

    /// The node at an absolute mount path that starts with `/live`.
    func node(at path: String) -> Node? { index().nodes[path] }

    /// Every path under `/live` now (to find the path of an inode number an earlier process handed out).
    var paths: [String] { Array(index().nodes.keys) }

    private func index() -> Index {
        let now = ContinuousClock.now
        if let current = snapshot.withLock({ $0 }), now - current.taken < Self.refreshInterval { return current.index }
        let index = Self.build(engine.carTree() ?? CarTree())
        snapshot.withLock { $0 = (now, index) }
        return index
    }

    static func build(_ tree: CarTree) -> Index {
        var index = Index()
        var children: [String: [String]] = ["/" + name: []]
        var modified: [String: DOSDateTime] = [:]
        func mountPath(_ components: [String]) -> String {
            (["", name] + components.map(ArchivePath.component)).joined(separator: "/")
        }
        for directory in tree.directories where !directory.path.isEmpty {
            let path = mountPath(directory.path)
            children[path, default: []] += []
            modified[path] = directory.modified
            children[mountPath(Array(directory.path.dropLast())), default: []].append(ArchivePath.component(directory.name))
        }
        for file in tree.files {
            let path = mountPath(file.path)
            // Two entries with the same (sanitised) name: the first wins, as a FAT reader would find it.
            guard index.nodes[path] == nil else { continue }
            index.nodes[path] = .file(file)
            children[mountPath(Array(file.path.dropLast())), default: []].append(ArchivePath.component(file.name))
        }
        for (path, names) in children where index.nodes[path] == nil {
            var seen = Set<String>()
            index.nodes[path] = .directory(children: names.filter { seen.insert($0).inserted }, modified: modified[path])
        }
        return index
    }
}
