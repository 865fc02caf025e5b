import FAT32
import FileIO
import Foundation
import Logging

/// The daemon's own directory: `volume.json` (what was formatted), `metadata.img` (boot sectors and FATs, sparse),
/// `staging.img` (data clusters indexed by cluster number, sparse) and `lock`.
public struct StateDirectory: Sendable {
    public let path: String
    /// Where the files live: the real file system, or the page-cache model in power-cut tests.
    public let fileSystem: any FileSystem

    public init(path: String, fileSystem: any FileSystem = SystemFileSystem()) {
        self.path = path
        self.fileSystem = fileSystem
    }

    public var manifestPath: String { path + "/volume.json" }
    public var metadataPath: String { path + "/metadata.img" }
    public var stagingPath: String { path + "/staging.img" }
    public var lockPath: String { path + "/lock" }
    /// The clip catalog (SQLite); derived data, rebuilt from the archive's events if lost.
    public var catalogPath: String { path + "/catalog.sqlite" }

    /// Whether the directory is missing or has nothing in it: the only state `format` and `run` will format.
    public var isEmpty: Bool {
        guard let entries = try? fileSystem.contentsOfDirectory(path) else {
            return fileSystem.status(path) == nil
        }
        // The lock is taken before formatting, so its file alone still means empty; so does the web UI's password,
        // which `teslacam passwd` may set before the first run.
        return entries.allSatisfy { $0 == "lock" || $0 == "web-password" }
    }

    /// Formats a new volume into an empty (or new) directory and opens it.
    ///
    /// `volume.json` is written last, atomically: a format cut short leaves no manifest and is recognised as such.
    /// When `format` returns, all of it survives a power cut: the images' bytes (the engine's flush), the manifest
    /// (fsynced before its rename), the three names (the directory's fsync) and a new directory's own name.
    public func format(geometry: VolumeGeometry, volumeID: UInt32, formattedAt: Int64, logger: Logger,
                       recorder: TraceRecorder? = nil, archive: ArchiveStore? = nil,
                       cacheLimit: Int = VolumeEngine.defaultCacheLimit,
                       discardsFreedClusters: Bool = true, holdLimit: Int = VolumeEngine.defaultHoldLimit,
                       cacheFile: String? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) throws(StateError) -> VolumeEngine {
        guard isEmpty else { throw .notEmpty(path: path) }
        let createdDirectories: [String]
        do { createdDirectories = try fileSystem.makeDirectories(path) } catch { throw .io(error) }
        let manifest = VolumeManifest(geometry: geometry, volumeID: volumeID, formattedAt: Double(formattedAt))
        let regions = RegionMap(geometry: geometry)
        let engine: VolumeEngine
        do {
            let metadata = try BackingFile(path: metadataPath, create: true, fileSystem: fileSystem)
            try metadata.setSize(regions.metadataBytes)
            let staging = try BackingFile(path: stagingPath, create: true, fileSystem: fileSystem)
            try staging.setSize(regions.stagingBytes)
            engine = VolumeEngine(manifest: manifest, metadata: metadata, staging: staging, logger: logger,
                                  discardsFreedClusters: discardsFreedClusters, recorder: recorder, archive: archive,
                                  cacheLimit: cacheLimit, holdLimit: holdLimit, cacheFile: cacheFile, now: now)
        } catch { throw .io(error) }
        var sink = engine
        // UTC, so that a trace replayed elsewhere formats the very same bytes.
        Formatter.format(geometry, label: "TESLACAM", volumeID: volumeID,
                         date: DOSDateTime(secondsSince1970: formattedAt), into: &sink)
        engine.flush()
        let data: Data
        do { data = try JSONEncoder.pretty.encode(manifest) } catch {
            throw .inconsistentManifest(path: manifestPath, reason: "cannot encode it: \(error)")
        }
        do {
            try fileSystem.writeAtomically(Array(data), to: manifestPath)
            for directory in createdDirectories { try fileSystem.synchronizeDirectory(parentDirectory(of: directory)) }
        } catch { throw .io(error) }
        return engine
    }

    /// Opens an existing state after checking that every file is there and has the size the manifest implies.
    public func open(logger: Logger, recorder: TraceRecorder? = nil,
                     archive: ArchiveStore? = nil, cacheLimit: Int = VolumeEngine.defaultCacheLimit,
                     discardsFreedClusters: Bool = true, holdLimit: Int = VolumeEngine.defaultHoldLimit,
                     cacheFile: String? = nil) throws(StateError) -> VolumeEngine {
        let manifest = try check()
        do {
            return VolumeEngine(manifest: manifest, metadata: try BackingFile(path: metadataPath, fileSystem: fileSystem),
                                staging: try BackingFile(path: stagingPath, fileSystem: fileSystem),
                                logger: logger, discardsFreedClusters: discardsFreedClusters, recorder: recorder,
                                archive: archive, cacheLimit: cacheLimit, holdLimit: holdLimit, cacheFile: cacheFile)
        } catch { throw .io(error) }
    }

    /// Checks, without changing anything, that the manifest is sound and every file has the size it implies.
    @discardableResult
    public func check() throws(StateError) -> VolumeManifest {
        let manifest = try readManifest()
        let regions = RegionMap(geometry: manifest.geometry)
        for (file, expected) in [(metadataPath, regions.metadataBytes), (stagingPath, regions.stagingBytes)] {
            guard let status = fileSystem.status(file) else { throw .missingFile(path: file) }
            let actual = status.size
            guard actual == expected else { throw .wrongSize(path: file, expected: expected, actual: actual) }
        }
        return manifest
    }

    /// Reads and checks `volume.json`; explains what the directory is when it has none.
    public func readManifest() throws(StateError) -> VolumeManifest {
        guard fileSystem.status(manifestPath) != nil else {
            let entries = (try? fileSystem.contentsOfDirectory(path)) ?? []
            if entries.isEmpty { throw .missingFile(path: manifestPath) }
            if Set(entries).isSubset(of: ["metadata.img", "staging.img", "lock", "volume.json.tmp"]) {
                throw .interruptedFormat(path: path)
            }
            throw .notAStateDirectory(path: path, found: entries.sorted())
        }
        let manifest: VolumeManifest
        do {
            let data = Data(try fileSystem.contents(of: manifestPath))
            manifest = try JSONDecoder().decode(VolumeManifest.self, from: data)
        } catch {
            throw .unreadableManifest(path: manifestPath, reason: "\(error)")
        }
        guard manifest.version <= VolumeManifest.currentVersion else {
            throw .unsupportedVersion(path: manifestPath, version: manifest.version)
        }
        // The geometry is derived from size and layout; anything else in the file means it was edited or damaged.
        do {
            let expected = try VolumeGeometry(diskBytes: manifest.geometry.diskBytes, layout: manifest.geometry.layout)
            guard expected == manifest.geometry else {
                throw StateError.inconsistentManifest(path: manifestPath,
                                                      reason: "its geometry does not match its size and layout")
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw .inconsistentManifest(path: manifestPath, reason: "\(error)")
        }
        return manifest
    }

    /// Takes the directory's exclusive lock for the life of the returned value. Always on the real file system: the
    /// lock excludes other processes, it holds no data.
    public func lock() throws(StateError) -> StateLock {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw .io(BackingStoreError(operation: "create directory", path: path, code: errno))
            }
        }
        let fd = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(BackingStoreError(operation: "open", path: lockPath, code: errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .inUse(path: path, pid: lockHolder())
        }
        // Who holds it, for the message another process gets (the lock itself is the flock, not this text).
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        return StateLock(fd: fd)
    }

    /// Some process holds the directory's lock: a daemon is serving this state.
    public var isLocked: Bool {
        let fd = Foundation.open(lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// The process id the current lock holder wrote into `lock`, if any.
    public func lockHolder() -> Int32? {
        guard let data = FileManager.default.contents(atPath: lockPath),
              let text = String(data: data, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Holds a state directory's lock until released or deinitialised.
public final class StateLock: Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
