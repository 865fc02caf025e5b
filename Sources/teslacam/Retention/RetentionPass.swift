import Catalog
import Foundation
import Logging
import Retention
import Volume

/// One retention pass, shared by the daemon and `teslacam retention`: the catalog's car-deleted files, what the
/// volume references and the space make a plan (pure, `Retention.plan`); each eviction then goes through the
/// engine (the archive's only writer) and into the catalog.
struct RetentionPass: Sendable {
    let catalog: ClipCatalog
    /// Read at each pass: the web UI's Settings page may change it while the daemon runs.
    let live: LivePolicy
    var policy: RetentionPolicy { live.current }
    /// Archive-relative paths never evicted: pending chains, and the state directory if it lies in the archive.
    let protected: [String]
    /// The repaired copies and telemetry sidecars under `STATE/derived`: they go with their clip.
    let derived: DerivedFiles
    let archive: String

    init(catalog: ClipCatalog, policy: RetentionPolicy, state: String, archive: String) {
        self.init(catalog: catalog, live: LivePolicy(policy), state: state, archive: archive)
    }

    init(catalog: ClipCatalog, live: LivePolicy, state: String, archive: String) {
        self.catalog = catalog
        self.live = live
        self.archive = archive
        derived = DerivedFiles(state: state)
        // A state directory inside the archive (or equal to it: then nothing may go) is never touched.
        protected = Retention.alwaysProtected + (Self.relative(state, inside: archive).map { [$0] } ?? [])
    }

    /// `path` relative to `root` when it lies inside it (symbolic links resolved), else nil.
    static func relative(_ path: String, inside root: String) -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardized.path
        let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardized.path
        if resolved == base { return "" }
        guard resolved.hasPrefix(base + "/") else { return nil }
        return String(resolved.dropFirst(base.count + 1))
    }

    /// The catalog's row as retention sees it; `pending`: the sinks routed to it that have not acknowledged it.
    static func row(_ clip: ClipRecord, referenced: Set<String>, pending: [String] = [],
                    derivedBytes: UInt64 = 0) -> ArchivedFileRow {
        ArchivedFileRow(path: clip.path, kind: RecordKind(rawValue: clip.eventKind.rawValue) ?? .other,
                        state: ArchiveState(rawValue: clip.state.rawValue) ?? .growing, size: UInt64(max(0, clip.size)),
                        recordedAt: clip.createdAt, deletedByCarAt: clip.deletedAt, pendingSinks: pending,
                        referencedByVolume: referenced.contains(clip.path), derivedBytes: derivedBytes)
    }

    /// Car-deleted files the catalog knows, as retention rows, with the upload queue's word on each and the bytes
    /// of their derived files (counted only when `derived/` shares the archive's file system: only then does
    /// removing them make room there).
    func rows(referenced: Set<String>) throws -> [ArchivedFileRow] {
        let pending = try catalog.pendingSinksByPath()
        let counted = derived.sharesFileSystem(with: archive)
        let previous = counted ? try catalog.previousPaths() : [:]
        let copies = counted ? try Self.recordedCopies(catalog) : [:]
        return try catalog.clips(state: .deleted).map { clip in
            let bytes = counted
                ? DerivedFiles.bytes(of: derived.candidates(paths: [clip.path] + (clip.id.flatMap { previous[$0] } ?? []),
                                                            recordedCopy: clip.id.flatMap { copies[$0] }))
                : 0
            return Self.row(clip, referenced: referenced, pending: pending[clip.path] ?? [], derivedBytes: bytes)
        }
    }

    /// The repaired copies the catalog recorded, by clip id.
    static func recordedCopies(_ catalog: ClipCatalog) throws -> [Int64: String] {
        Dictionary(try catalog.repairs().compactMap { repair in repair.repairedPath.map { (repair.clipID, $0) } },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The derived files of the clip at `archivePath` (its present row, else its last evicted one).
    func derivedFiles(of archivePath: String) throws -> [String] {
        guard let clip = try catalog.clip(path: archivePath) else {
            return derived.candidates(paths: [archivePath], recordedCopy: nil)
        }
        let earlier = try catalog.transitions(of: clip).compactMap(\.previousPath)
        return derived.candidates(paths: [archivePath] + earlier, recordedCopy: try catalog.repair(of: clip)?.repairedPath)
    }

    /// Removes the derived files of clips gone from the archive for good (an eviction whose removal failed, a repair
    /// that finished after its clip went, or files kept by an older version): run once when retention starts.
    func removeOrphanedDerivedFiles(logger: Logger) -> DerivedFiles.Removal {
        let orphans: [String]
        do { orphans = derived.orphans(evictedPaths: try catalog.evictedPaths()) } catch {
            logger.warning("cannot look for derived files of evicted clips", metadata: ["error": "\(error)"])
            return DerivedFiles.Removal()
        }
        let removal = derived.remove(orphans)
        if removal.files > 0 {
            logger.notice("removed derived files of evicted clips", metadata: [
                "files": "\(removal.files)", "bytes": "\(Wording.bytes(removal.bytes))",
            ])
        }
        for failure in removal.failures { logger.error("cannot remove a derived file: \(failure)") }
        return removal
    }

    func plan(referenced: Set<String>, space: VolumeSpace, now: Int64) throws -> RetentionPlan {
        // Without the archive's free space only the age rules can be judged.
        let report = SpaceReport(archiveFreeBytes: space.archiveFreeBytes ?? .max, volumeFreeBytes: space.volumeFreeBytes)
        return Retention.plan(files: try rows(referenced: referenced), space: report, policy: policy, now: now,
                              protecting: protected)
    }

    /// The files retention would take next (`Retention.queue`), for the web UI's Now page.
    func queue(referenced: Set<String>, now: Int64, limit: Int) throws -> [Eviction] {
        Retention.queue(files: try rows(referenced: referenced), policy: policy, now: now, protecting: protected, limit: limit)
    }

    /// What carrying out a plan did.
    struct Result {
        var evicted: [Eviction] = []
        var evictedBytes: UInt64 = 0
        /// Repaired copies and telemetry sidecars removed with the evicted files.
        var derivedFiles = 0
        var derivedBytes: UInt64 = 0
        /// Evicted footage some sink had not acknowledged.
        var notUploaded = 0
        /// Planned but kept or failed, with why.
        var skipped: [(Eviction, EvictionOutcome)] = []
    }

    /// Evicts the plan's files in order through the engine, recording each in the catalog and the log.
    /// `proceed` is asked before each one, so a stopping daemon need not wait for a long plan.
    func carryOut(_ plan: RetentionPlan, engine: VolumeEngine, logger: Logger, now: () -> Int64,
                  proceed: () -> Bool = { true }) -> Result {
        var result = Result()
        for eviction in plan.evictions {
            guard proceed() else { break }
            let file = eviction.file
            // Found before the eviction is recorded, while the row is still the present one.
            let derivedPaths = (try? derivedFiles(of: file.path)) ?? derived.candidates(paths: [file.path], recordedCopy: nil)
            let outcome = engine.evict(archivePath: file.path)
            let derivedWords = file.derivedBytes > 0 ? " and \(Wording.bytes(file.derivedBytes)) derived from it" : ""
            let words = "\(file.path) (\(Wording.bytes(file.size))\(derivedWords), recorded "
                + "\(Wording.age(seconds: file.age(at: now()))) ago)"
            switch outcome {
            case .evicted, .notFound:
                let reason = outcome == .notFound ? "already gone from the archive; \(eviction.reason)" : "\(eviction.reason)"
                do { try catalog.recordEviction(path: file.path, reason: reason, now: now()) } catch {
                    logger.error("evicted, but the catalog could not record it",
                                 metadata: ["path": "\(file.path)", "error": "\(error)"])
                }
                result.evicted.append(eviction)
                if case let .evicted(bytes) = outcome { result.evictedBytes += bytes }
                let removal = derived.remove(derivedPaths)
                result.derivedFiles += removal.files
                result.derivedBytes += removal.bytes
                for failure in removal.failures {
                    logger.error("evicted \(file.path), but cannot remove a file derived from it: \(failure)")
                }
                if eviction.reason.isWarning {
                    result.notUploaded += 1
                    logger.warning("evicted \(words): \(reason)")
                    // Footage that exists nowhere else is gone: the owner hears it on the alerts route.
                    do {
                        try catalog.queueAlert(["alert": "evicted before upload", "path": file.path,
                                                "pendingSinks": file.pendingSinks.joined(separator: ", "),
                                                "message": "evicted \(words): \(reason)"])
                    } catch {
                        logger.error("cannot queue the alert", metadata: ["error": "\(error)"])
                    }
                } else {
                    logger.notice("evicted \(words): \(reason)")
                }
            case .referenced:
                logger.info("kept \(words): the car's volume references it again")
                result.skipped.append((eviction, outcome))
            case .refused, .failed:
                logger.error("could not evict \(words): \(outcome)")
                result.skipped.append((eviction, outcome))
            }
        }
        return result
    }
}
