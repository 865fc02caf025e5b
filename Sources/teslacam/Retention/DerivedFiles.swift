import Catalog
import Foundation
import Glibc

/// The files the board derives from an archived clip, kept in the state directory's `derived/` tree (never in the
/// archive, whose only writer is the engine): the repaired copy of a clip a power cut left without its index
/// (`derived/repaired/<archive path less extension>.repaired.mp4`) and the full-rate telemetry sidecar
/// (`derived/telemetry/<archive path>.csv`). They go when retention evicts the clip, and count in the space an
/// eviction gives back; the catalog keeps the clip's 1 Hz track and summary, so its drive stays on the map.
///
/// Nothing outside `derived/` is ever removed, whatever the catalog says (a copy written with `repair --output`
/// elsewhere is the owner's).
struct DerivedFiles: Sendable {
    /// `STATE/derived`, standardised.
    let root: String

    init(state: String) {
        root = URL(fileURLWithPath: state + "/derived").standardizedFileURL.path
    }

    var repairedRoot: String { root + "/repaired" }
    var telemetryRoot: String { root + "/telemetry" }

    /// Where the daemon writes the repaired copy of the clip at `archivePath`.
    func repairedCopy(archivePath: String) -> String {
        "\(repairedRoot)/\((archivePath as NSString).deletingPathExtension).repaired.mp4"
    }

    /// Where the catalog writes the clip's telemetry sidecar (`TelemetrySidecar`).
    func sidecar(archivePath: String) -> String { TelemetrySidecar(root: telemetryRoot).path(forArchivePath: archivePath) }

    /// Every file that may have been derived from a clip known by these archive paths (its current one and any
    /// earlier), plus the repaired copy the catalog recorded: only those inside `derived/`.
    func candidates(paths: [String], recordedCopy: String?) -> [String] {
        var found: [String] = []
        for path in paths {
            let copy = repairedCopy(archivePath: path)
            found += [copy, copy + ".partial", sidecar(archivePath: path)]
        }
        if let recordedCopy { found.append(recordedCopy) }
        var seen = Set<String>()
        return found.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            .filter { isInside($0) && seen.insert($0).inserted }
    }

    /// Whether `path` (standardised) lies inside `derived/`, without `..` and not through a symbolic link leaving it.
    func isInside(_ path: String) -> Bool {
        guard path.hasPrefix(root + "/"), !path.split(separator: "/").contains("..") else { return false }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let resolvedRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        return resolved.hasPrefix(resolvedRoot + "/")
    }

    /// The bytes the regular files among `paths` take on disk (allocated blocks, as the free space counts them).
    static func bytes(of paths: [String]) -> UInt64 {
        paths.reduce(0) { total, path in
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return total }
            return total + UInt64(max(0, info.st_blocks)) * 512
        }
    }

    /// What removing derived files did.
    struct Removal: Equatable {
        var files = 0
        var bytes: UInt64 = 0
        /// Paths that exist but could not be removed, with why.
        var failures: [String] = []
    }

    /// Removes the regular files among `paths` (candidates from `candidates`), then the folders they leave empty.
    func remove(_ paths: [String]) -> Removal {
        var removal = Removal()
        for path in paths where isInside(path) {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if unlink(path) == 0 {
                removal.files += 1
                removal.bytes += UInt64(max(0, info.st_blocks)) * 512
                removeEmptyFolders(above: path)
            } else {
                removal.failures.append("\(path): \(String(cString: strerror(errno)))")
            }
        }
        return removal
    }

    /// Removes now-empty folders from `path`'s up to (not including) `repaired/` and `telemetry/`.
    private func removeEmptyFolders(above path: String) {
        var folder = (path as NSString).deletingLastPathComponent
        while folder.hasPrefix(root + "/"), folder != repairedRoot, folder != telemetryRoot, rmdir(folder) == 0 {
            folder = (folder as NSString).deletingLastPathComponent
        }
    }

    /// Derived files whose clip is gone from the archive for good (every row of its path evicted): left by an
    /// eviction whose removal failed, by a repair that finished after its clip was evicted, or by a version that
    /// kept them. Walks the `derived/` tree.
    func orphans(evictedPaths: Set<String>) -> [String] {
        let evictedStems = Set(evictedPaths.map { ($0 as NSString).deletingPathExtension })
        var found: [String] = []
        for (base, archivePath) in [(repairedRoot, Self.repairedStem), (telemetryRoot, Self.sidecarClip)] {
            guard let walk = FileManager.default.enumerator(atPath: base) else { continue }
            while let relative = walk.nextObject() as? String {
                guard walk.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
                let isOrphan = base == repairedRoot
                    ? archivePath(relative).map(evictedStems.contains) ?? false
                    : archivePath(relative).map(evictedPaths.contains) ?? false
                if isOrphan { found.append(base + "/" + relative) }
            }
        }
        return found
    }

    /// The archive path less its extension of a repaired copy's path under `repaired/`.
    static func repairedStem(_ relative: String) -> String? {
        for suffix in [".repaired.mp4", ".repaired.mp4.partial"] where relative.hasSuffix(suffix) {
            return String(relative.dropLast(suffix.count))
        }
        return nil
    }

    /// The archive path of a sidecar's path under `telemetry/`.
    static func sidecarClip(_ relative: String) -> String? {
        relative.hasSuffix(".csv") ? String(relative.dropLast(4)) : nil
    }

    /// Whether `derived/` (or the nearest folder of it that exists) is on the file system holding `archive`: only
    /// then does removing derived files give the archive room.
    func sharesFileSystem(with archive: String) -> Bool {
        guard let own = Self.device(of: root), let other = Self.device(of: archive) else { return false }
        return own == other
    }

    static func device(of path: String) -> UInt64? {
        var probe = path
        var info = stat()
        while stat(probe, &info) != 0 {
            guard errno == ENOENT, probe.contains("/"), probe != "/" else { return nil }
            probe = (probe as NSString).deletingLastPathComponent
            if probe.isEmpty { probe = "." }
        }
        return UInt64(info.st_dev)
    }
}
