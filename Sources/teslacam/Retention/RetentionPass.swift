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
    let policy: RetentionPolicy
    /// Archive-relative paths never evicted: pending chains, and the state directory if it lies in the archive.
    let protected: [String]

    init(catalog: ClipCatalog, policy: RetentionPolicy, state: String, archive: String) {
        self.catalog = catalog
        self.policy = policy
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
    static func row(_ clip: ClipRecord, referenced: Set<String>, pending: [String] = []) -> ArchivedFileRow {
        ArchivedFileRow(path: clip.path, kind: RecordKind(rawValue: clip.eventKind.rawValue) ?? .other,
                        state: ArchiveState(rawValue: clip.state.rawValue) ?? .growing, size: UInt64(max(0, clip.size)),
                        recordedAt: clip.createdAt, deletedByCarAt: clip.deletedAt, pendingSinks: pending,
                        referencedByVolume: referenced.contains(clip.path))
    }

    /// Car-deleted files the catalog knows, as retention rows, with the upload queue's word on each.
    func rows(referenced: Set<String>) throws -> [ArchivedFileRow] {
        let pending = try catalog.pendingSinksByPath()
        return try catalog.clips(state: .deleted).map { Self.row($0, referenced: referenced, pending: pending[$0.path] ?? []) }
    }

    func plan(referenced: Set<String>, space: VolumeSpace, now: Int64) throws -> RetentionPlan {
        // Without the archive's free space only the age rules can be judged.
        let report = SpaceReport(archiveFreeBytes: space.archiveFreeBytes ?? .max, volumeFreeBytes: space.volumeFreeBytes)
        return Retention.plan(files: try rows(referenced: referenced), space: report, policy: policy, now: now,
                              protecting: protected)
    }

    /// What carrying out a plan did.
    struct Result {
        var evicted: [Eviction] = []
        var evictedBytes: UInt64 = 0
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
            let outcome = engine.evict(archivePath: file.path)
            let words = "\(file.path) (\(Wording.bytes(file.size)), recorded \(Wording.age(seconds: file.age(at: now()))) ago)"
            switch outcome {
            case .evicted, .notFound:
                let reason = outcome == .notFound ? "already gone from the archive; \(eviction.reason)" : "\(eviction.reason)"
                do { try catalog.recordEviction(path: file.path, reason: reason, now: now()) } catch {
                    logger.error("evicted, but the catalog could not record it",
                                 metadata: ["path": "\(file.path)", "error": "\(error)"])
                }
                result.evicted.append(eviction)
                if case let .evicted(bytes) = outcome { result.evictedBytes += bytes }
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
