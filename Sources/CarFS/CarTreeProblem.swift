/// Something odd in the car's file system. The model carries on around it; the harvest logs it.
public enum CarTreeProblem: Equatable, Sendable, CustomStringConvertible {
    /// Two entries claim the same cluster (a hostile host, a power cut, or a rename seen half-way).
    case crossLinked(cluster: UInt32, paths: [String])
    case loop(path: String, at: UInt32)
    case corruptChain(path: String, value: UInt32)
    /// A directory nested deeper than the model follows, or one that contains one of its ancestors.
    case directoryCycle(path: String)
    case tooDeep(path: String)

    public var description: String {
        switch self {
        case let .crossLinked(cluster, paths): return "cluster \(cluster) is claimed by \(paths.joined(separator: " and "))"
        case let .loop(path, at): return "the cluster chain of \(path) loops back to cluster \(at)"
        case let .corruptChain(path, value): return "the cluster chain of \(path) holds the invalid value \(value)"
        case let .directoryCycle(path): return "\(path) refers back to one of its parent directories"
        case let .tooDeep(path): return "\(path) is nested too deep; its contents are not followed"
        }
    }
}
