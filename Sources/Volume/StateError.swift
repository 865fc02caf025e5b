/// Why a state directory cannot be formatted or opened. Each message says what to do.
public enum StateError: Error, CustomStringConvertible, Sendable {
    case notEmpty(path: String)
    case notAStateDirectory(path: String, found: [String])
    case interruptedFormat(path: String)
    case unreadableManifest(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case inconsistentManifest(path: String, reason: String)
    case wrongSize(path: String, expected: UInt64, actual: UInt64)
    case missingFile(path: String)
    case inUse(path: String, pid: Int32?)
    case io(BackingStoreError)

    public var description: String {
        switch self {
        case let .notEmpty(path):
            return "\(path) is not empty; format only creates a volume in an empty or new directory (nothing was changed)"
        case let .notAStateDirectory(path, found):
            let listed = found.prefix(5).joined(separator: ", ")
            return "\(path) holds other files (\(listed)) and no volume.json: it is not a TeslaCam state directory; "
                + "point --state at an empty directory or at an existing state (nothing was changed)"
        case let .interruptedFormat(path):
            return "\(path) holds an unfinished format (no volume.json); remove the directory and format again"
        case let .unreadableManifest(path, reason):
            return "\(path) cannot be read as a volume manifest (\(reason)); restore it from a backup or format a new state"
        case let .unsupportedVersion(path, version):
            return "\(path) has format version \(version), newer than this teslacam understands; upgrade teslacam"
        case let .inconsistentManifest(path, reason):
            return "\(path) is inconsistent: \(reason); restore it from a backup or format a new state"
        case let .wrongSize(path, expected, actual):
            return "\(path) is \(actual) bytes, expected \(expected): truncated or replaced; "
                + "restore it from a backup or format a new state"
        case let .missingFile(path):
            return "\(path) is missing; restore it from a backup or format a new state"
        case let .inUse(path, pid):
            return "\(path) is in use by another teslacam process\(pid.map { " (pid \($0))" } ?? ""); stop it first"
        case let .io(error):
            return error.description
        }
    }
}
