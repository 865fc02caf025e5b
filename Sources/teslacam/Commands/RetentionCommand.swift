import ArgumentParser
import Catalog
import Foundation
import Retention
import Volume

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Evict archived clips the car deleted, by age and to keep free space (what `run` does every minute).",
        discussion: """
            Prints every file that goes (or, with --dry-run, would go), its size, age and why, and the free space \
            before and after. Only files the car deleted are ever evicted, never one its volume still references. \
            Without --dry-run it refuses to run while a daemon serves the state: the daemon runs retention itself.
            """)

    @Option(help: "State directory.") var state: String?
    @Option(help: "The archive directory.") var archive: String?
    @Option(help: "JSON config file (its retention section); flags override it.") var config: String?
    @Flag(help: "Only show what would be evicted; change nothing (works beside a running daemon).") var dryRun = false
    @OptionGroup var common: CommonOptions

    func run() throws {
        let file = try config.map { path throws(ConfigurationError) in try Configuration.load(from: path) } ?? Configuration()
        var logger = common.makeLogger(configured: file.logLevel?.rawValue)
        guard let statePath = state ?? file.state else { throw ConfigurationError.missing(setting: "state") }
        guard let archivePath = archive ?? file.archive else { throw ConfigurationError.missing(setting: "archive") }
        let stateDirectory = StateDirectory(path: statePath)
        try stateDirectory.check()
        guard FileManager.default.fileExists(atPath: stateDirectory.catalogPath) else {
            throw CommandFailure("\(statePath) has no catalog yet: nothing was harvested, so nothing can be evicted")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: archivePath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("the archive \(archivePath) does not exist")
        }
        let policy = file.retentionPolicy
        let catalog = try ClipCatalog(path: stateDirectory.catalogPath, archiveRoot: archivePath, logger: logger)
        let pass = RetentionPass(catalog: catalog, policy: policy, state: statePath, archive: archivePath)
        let now = Int64(Date().timeIntervalSince1970)

        if dryRun {
            // No engine and no lock: the volume is read as it is on disk, beside a daemon if one runs.
            let volume = try OfflineVolume(state: stateDirectory)
            let fileSystem = try ArchiveStore(root: archivePath).fileSystemSpace()
            let space = VolumeSpace(volumeFreeBytes: volume.freeBytes, archiveFreeBytes: fileSystem?.free,
                                    archiveTotalBytes: fileSystem?.total)
            let plan = try pass.plan(referenced: volume.referencedArchivePaths, space: space, now: now)
            print(RetentionReport(plan: plan, policy: policy, space: space, now: now, archive: archivePath,
                                  keptDeleted: try pass.rows(referenced: volume.referencedArchivePaths)).text(dryRun: true))
            if stateDirectory.isLocked {
                print("\nA daemon is serving \(statePath): it runs retention itself every minute.")
            }
            return
        }

        let lock: StateLock
        do { lock = try stateDirectory.lock() } catch {
            guard case let .inUse(_, pid) = error else { throw error }
            throw CommandFailure("""
                a teslacam daemon\(pid.map { " (pid \($0))" } ?? "") is serving \(statePath) and runs retention itself \
                every minute; use --dry-run to see what it would evict, or stop it to evict by hand
                """)
        }
        // The engine is the archive's only writer: evictions go through it, and it knows what the volume references.
        logger.logLevel = max(logger.logLevel, .warning)
        let engine = try stateDirectory.open(logger: logger, archive: try ArchiveStore(root: archivePath))
        // What the engine does while it is open (trimming at close) reaches the catalog as in the daemon.
        let ingest = CatalogIngest(catalog: catalog, engine: engine)
        let space = engine.space()
        let referenced = engine.referencedArchivePaths()
        let plan = try pass.plan(referenced: referenced, space: space, now: now)
        let result = pass.carryOut(plan, engine: engine, logger: logger, now: { Int64(Date().timeIntervalSince1970) })
        let orphans = pass.removeOrphanedDerivedFiles(logger: logger)
        let after = engine.space()
        engine.close()
        ingest.drain()
        withExtendedLifetime(lock) {}
        var report = RetentionReport(plan: plan, policy: policy, space: space, now: now, archive: archivePath,
                                     keptDeleted: try pass.rows(referenced: referenced))
        report.measuredFreeAfter = after.archiveFreeBytes
        report.skipped = result.skipped
        report.derivedRemoved = (result.derivedFiles + orphans.files, result.derivedBytes + orphans.bytes)
        print(report.text(dryRun: false))
    }
}

/// A command that cannot go on, with a message saying what to do (printed without the usage text).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
