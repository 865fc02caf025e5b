#if canImport(Glibc)
import Glibc
#endif
import FAT32

/// The car's whole directory tree with every file's clusters, derived from the FAT and the directory clusters.
///
/// Built afresh from the mirrored FAT whenever the harvest needs it, so writes that arrive in any order (data
/// before FAT before directory entry, FAT2 late, sectors half-written at a power cut) always yield the tree that the
/// bytes on the volume describe now. Pure: directory clusters come from `readCluster`.
public struct CarTree: Sendable {
    public var files: [CarFile] = []
    /// Every directory, the root (empty path) first.
    public var directories: [CarFile] = []
    public var problems: [CarTreeProblem] = []
    /// Clusters of every directory: writes there change names, sizes and first clusters.
    public var directoryClusters: Set<UInt32> = []
    /// Clusters that two entries claim. Their owner is undecided until the car finishes what it is doing.
    public var contested: Set<UInt32> = []

    public init() {}

    /// Directories are followed this deep (the car uses three levels).
    public static let maximumDepth = 16

    public static func build(fat: FATMirror, clusterSize: Int, rootCluster: UInt32,
                             readCluster: (UInt32) -> [UInt8]) -> CarTree {
        var builder = Builder(fat: fat, clusterSize: clusterSize)
        builder.walk(rootCluster: rootCluster, readCluster: readCluster)
        return builder.tree
    }

    /// Files by first cluster (entries with no cluster yet are left out).
    public func filesByHead() -> [UInt32: [CarFile]] {
        Dictionary(grouping: files.filter { $0.head != 0 }, by: \.head)
    }
}

private struct Builder {
    let fat: FATMirror
    let clusterSize: Int
    var tree = CarTree()
    /// Which entry (1-based index into `claimants`) claimed each cluster first; 0 = nobody.
    var claims: ClaimTable
    var claimants: [String] = []

    init(fat: FATMirror, clusterSize: Int) {
        self.fat = fat
        self.clusterSize = clusterSize
        claims = ClaimTable(count: Int(fat.clusterCount) + 2)
    }

    /// A directory may hold 65,536 entries of 32 bytes.
    var directoryClusterLimit: Int { max(1, (65_536 * 32) / clusterSize) }

    mutating func walk(rootCluster: UInt32, readCluster: (UInt32) -> [UInt8]) {
        let root = CarFile(path: [], head: rootCluster, size: 0, isDirectory: true, clusters: [],
                           chainEnd: .endOfChain, modified: DOSDateTime(secondsSince1970: 0), parentHead: 0, slot: 0)
        var queue: [(file: CarFile, ancestors: Set<UInt32>)] = [(root, [])]
        var next = 0
        while next < queue.count {
            var (directory, ancestors) = queue[next]
            next += 1
            (directory.clusters, directory.chainEnd) = claimChain(of: directory, limit: directoryClusterLimit)
            tree.directories.append(directory)
            guard !directory.clusters.isEmpty else { continue }
            tree.directoryClusters.formUnion(directory.clusters)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(directory.clusters.count * clusterSize)
            for cluster in directory.clusters {
                var content = readCluster(cluster)
                if content.count != clusterSize { content = [UInt8](repeating: 0, count: clusterSize) }
                bytes += content
            }
            let inner = ancestors.union([directory.head])
            for record in Directory.records(in: bytes) {
                let entry = record.entry
                guard !entry.isVolumeLabel, !entry.isDotEntry else { continue }
                let path = directory.path + [record.name]
                let head = entry.firstCluster & FATEntry.mask
                if entry.isDirectory {
                    if inner.contains(head) || head == 0 {
                        tree.problems.append(.directoryCycle(path: path.joined(separator: "/")))
                        continue
                    }
                    if path.count > CarTree.maximumDepth {
                        tree.problems.append(.tooDeep(path: path.joined(separator: "/")))
                        continue
                    }
                    let child = CarFile(path: path, head: head, size: 0, isDirectory: true, clusters: [],
                                        chainEnd: .endOfChain, modified: entry.modified, parentHead: directory.head,
                                        slot: record.slot)
                    queue.append((child, inner))
                } else {
                    var file = CarFile(path: path, head: head, size: UInt64(entry.size), isDirectory: false,
                                       clusters: [], chainEnd: .endOfChain, modified: entry.modified,
                                       parentHead: directory.head, slot: record.slot)
                    if head != 0 {
                        (file.clusters, file.chainEnd) = claimChain(of: file, limit: Int(fat.clusterCount))
                    }
                    tree.files.append(file)
                }
            }
        }
    }

    /// Walks the chain of `file`, claiming each cluster. A cluster someone else claimed first ends the walk there
    /// and is marked contested, so a hostile cross-linked FAT costs one pass over the clusters, not one per entry.
    mutating func claimChain(of file: CarFile, limit: Int) -> ([UInt32], Chain.End) {
        let path = file.path.joined(separator: "/")
        guard fat.isValidCluster(file.head) else {
            if file.head != 0 || file.isDirectory { tree.problems.append(.corruptChain(path: path, value: file.head)) }
            return ([], .invalidStart(file.head))
        }
        claimants.append(path)
        let me = UInt32(claimants.count)
        var clusters: [UInt32] = []
        var current = file.head
        while true {
            let owner = claims[Int(current)]
            if owner == me {
                tree.problems.append(.loop(path: path, at: current))
                return (clusters, .loop(at: current))
            }
            if owner != 0 {
                tree.contested.insert(current)
                tree.problems.append(.crossLinked(cluster: current, paths: [claimants[Int(owner) - 1], path]))
                return (clusters, .corrupt(current))
            }
            claims[Int(current)] = me
            clusters.append(current)
            if clusters.count >= limit { return (clusters, .limit) }
            switch fat.entry(current).kind {
            case .endOfChain: return (clusters, .endOfChain)
            case .free: return (clusters, .free)
            case .bad, .reserved:
                tree.problems.append(.corruptChain(path: path, value: fat.entry(current).value))
                return (clusters, .corrupt(fat.entry(current).value))
            case let .next(n):
                guard fat.isValidCluster(n) else {
                    tree.problems.append(.corruptChain(path: path, value: n))
                    return (clusters, .corrupt(n))
                }
                current = n
            }
        }
    }
}

/// One word per cluster, zeroed by the kernel on first touch (calloc of a large block maps fresh pages), so a
/// rebuild of a mostly empty 30 GiB volume does not clear 8 MiB first.
final class ClaimTable {
    private let words: UnsafeMutablePointer<UInt32>
    init(count: Int) {
        words = calloc(count, MemoryLayout<UInt32>.size)!.assumingMemoryBound(to: UInt32.self)
    }
    deinit { free(words) }
    subscript(index: Int) -> UInt32 {
        get { words[index] }
        set { words[index] = newValue }
    }
}
