import Glibc

extension FileSystem {
    /// mkdir -p: creates every missing directory on the way to `path`. Returns the directories it created, outermost
    /// first: their parents must be fsynced before the new names are durable.
    @discardableResult
    public func makeDirectories(_ path: String) throws(FileIOError) -> [String] {
        var created: [String] = []
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if status(current)?.kind == .directory { continue }
            do {
                try makeDirectory(current)
                created.append(current)
            } catch where error.code == EEXIST {
                continue
            }
        }
        return created
    }

    /// Replaces `path` with `bytes` so that a power cut leaves either the old file or the new one, never a torn or
    /// empty one: write a temporary file, fsync it, rename it over `path`, fsync the directory.
    public func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileIOError) {
        let temporary = path + ".tmp"
        do {
            let file = try openFile(temporary, [.create, .noFollow, .privateToOwner])
            try file.setSize(0)
            try file.write(bytes, at: 0)
            try file.synchronize()
        }
        try rename(temporary, to: path)
        try synchronizeDirectory(parentDirectory(of: path))
    }

    /// The whole content of a small file.
    public func contents(of path: String) throws(FileIOError) -> [UInt8] {
        try openFile(path, [.noFollow]).readAll()
    }
}

/// `a/b/c` → `a/b`; `c` → `.`; `/c` → `/`.
public func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
