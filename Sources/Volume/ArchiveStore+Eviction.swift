import Glibc

/// Removing files for retention, and the file system's free space. The engine calls these under its lock.
extension ArchiveStore {
    /// Checks that `relative` names a regular file inside the archive reached without a symbolic link, and not a
    /// harvest-internal path. Returns why not, or nil.
    func evictionRefusal(_ relative: String) -> String? {
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        if relative.isEmpty || relative.hasPrefix("/") || components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            return "\(relative) is not a plain path inside the archive"
        }
        if components.first.map(String.init) == Harvest.pendingDirectory {
            return "\(relative) holds a chain the car has not named yet"
        }
        var current = root
        for component in components.dropLast() {
            current += "/" + component
            var info = stat()
            if lstat(current, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR {
                return "\(current) is not a directory of the archive"
            }
        }
        return nil
    }

    /// Unlinks a file (not a directory, not through a link), then the directories above it that it left empty
    /// unless `keepDirectory` says the car still has them. Returns the file's size, nil if there was none. The
    /// directories touched are returned for `synchronizeDirectories` once the engine's lock is released.
    func remove(_ relative: String, keepDirectory: (String) -> Bool) throws(BackingStoreError) -> (size: UInt64, touched: [String])? {
        let path = absolute(relative)
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard unlink(path) == 0 else {
            if errno == ENOENT { return nil }
            throw BackingStoreError(operation: "unlink", path: path, code: errno)
        }
        var touched: [String] = []
        var directory = relative
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            touched.append(absolute(directory))
            // Only while empty (rmdir refuses otherwise) and gone from the car's tree too.
            if keepDirectory(directory) || rmdir(absolute(directory)) != 0 { break }
        }
        touched.append(root)
        return (UInt64(info.st_size), touched)
    }

    /// Makes removals durable: an fsync of each directory that lost an entry (those that no longer exist are skipped).
    static func synchronizeDirectories(_ directories: [String]) throws(BackingStoreError) {
        var failure: BackingStoreError?
        for directory in Set(directories) {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if fsync(fd) != 0 { failure = BackingStoreError(operation: "fsync", path: directory, code: errno) }
            close(fd)
        }
        if let failure { throw failure }
    }

    /// Free and total bytes of the archive's file system (free: what an unprivileged writer may still use).
    public func fileSystemSpace() -> (free: UInt64, total: UInt64)? {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return nil }
        let unit = UInt64(info.f_frsize)
        return (UInt64(info.f_bavail) * unit, UInt64(info.f_blocks) * unit)
    }
}
