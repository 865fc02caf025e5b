import FileIO
import Foundation
import Testing

/// Power cuts for real, simulated in-process: the engine's state and archive live on a model of the page cache
/// that loses what was not made durable (see `PowerCutCase`). No root, no FUSE.
@Suite struct PowerCutTests {
    /// `TESLACAM_POWERCUT_CASES=N` runs N traces (three cuts each; 60 by default, about 30 s of CPU: a few
    /// hundred took several minutes on two shared cores); `TESLACAM_POWERCUT_SEED` starts elsewhere.
    @Test func powerCutsLoseNothingTheCarFlushed() {
        let environment = ProcessInfo.processInfo.environment
        let cases = Int(environment["TESLACAM_POWERCUT_CASES"] ?? "") ?? 60
        let first = UInt64(environment["TESLACAM_POWERCUT_SEED"] ?? "") ?? 1
        var failed = 0
        // Open (see README, Durability): some cuts still lose flushed clusters whose owner the recovered volume
        // no longer names (a directory growing, hostile FAT rewrites reaching metadata.img through the kernel's
        // writeback): the check reports them as a cluster "allocated, in no file". Those are known issues, with
        // the seed, so the run shows them without failing the suite; every other finding fails it, and every
        // fixed finding is a strict test in `foundCases`.
        for seed in first..<first + UInt64(cases) {
            let failures = PowerCutCase(seed: seed).run()
            let orphaned = failures.filter(Self.isOrphanedCluster)
            for failure in failures where !Self.isOrphanedCluster(failure) { Issue.record(Comment(rawValue: failure)) }
            if !orphaned.isEmpty {
                withKnownIssue("flushed clusters orphaned by a cut: open, see README Durability") {
                    for failure in orphaned { Issue.record(Comment(rawValue: failure)) }
                }
            }
            if !failures.isEmpty { failed += 1 }
            if failed >= 5 { break }  // the first few failing seeds say enough
        }
    }

    /// `TESLACAM_POWERCUT_SWEEP=SEED:FIRST-LAST` cuts that seed's trace at every operation from FIRST to LAST, once
    /// as a kill, once strictly and once with the kernel's writeback (to look into a failure whose cut the
    /// reservoir no longer picks once the engine's own operations change); without it, nothing runs.
    /// (With `TESLACAM_POWERCUT_VERBOSE` keep the range short: each survivor's dump reads every file whole.)
    @Test func sweepOneSeed() {
        guard let sweep = ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_SWEEP"] else { return }
        let parts = sweep.split(separator: ":"), range = parts.last?.split(separator: "-") ?? []
        guard parts.count == 2, range.count == 2, let seed = UInt64(parts[0]), let first = Int(range[0]),
              let last = Int(range[1]), first <= last else {
            Issue.record("TESLACAM_POWERCUT_SWEEP=SEED:FIRST-LAST, not \(sweep)")
            return
        }
        let modes = [PowerCut.processKill, .strict, PowerCut(kernelWriteback: true, seed: seed)]
        // TESLACAM_POWERCUT_SWEEP_MODE=0, 1 or 2: only the kill, the strict cut or the kernel's writeback.
        let only = ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_SWEEP_MODE"].flatMap { Int($0) }
        for (i, mode) in modes.enumerated() where only == nil || only == i {
            var sweepCase = PowerCutCase(seed: seed)
            sweepCase.forcedCuts = Dictionary(uniqueKeysWithValues: (first...last).map { ($0, mode) })
            for failure in sweepCase.run(cutsPerTrace: last - first + 1) { Issue.record(Comment(rawValue: failure)) }
        }
    }

    /// Seed 1640 (hostile): a FAT rewrite moved cluster 51 away from its place in a pending chain file (no entry
    /// named the chain), where only that file held it. Recovery follows the FAT from the file's head and served
    /// zeros for it, even after a power cut long after the car's last flush. The flush now stages such clusters.
    /// (A cut before that flush still loses it: the open class, with the FAT rewrite already on disk.)
    @Test func aClusterMovedOutOfItsPendingChainIsStagedByTheFlush() {
        var endCase = PowerCutCase(seed: 1640)
        endCase.cutsAtEnd = [.strict, .processKill, PowerCut(kernelWriteback: true, seed: 1640)]
        for failure in endCase.run(cutsPerTrace: 0) { Issue.record(Comment(rawValue: failure)) }
    }

    /// The open class of failure: a flushed cluster the recovered volume allocates to no file it names.
    static func isOrphanedCluster(_ failure: String) -> Bool { failure.contains("allocated, in no file") }

    /// Seeds the property once failed on, kept so what they found stays fixed.
    @Test(arguments: [
        // volume.json, metadata.img and staging.img were not durable when `format` returned: the manifest was
        // renamed into place unsynced and the state directory never fsynced; a cut lost the whole volume.
        1, 3, 4,
        // A kill (102) or a power cut (103) during the flush of an event save: the archive had renamed the clips
        // into SavedClips/<event>/ before the car's directory sectors were durable (still in the write cache, or
        // not yet fsynced in staging); recovery saw them in RecentClips, found no archive file there and served
        // zeros. Now each rename is journaled first and recovery puts files back where the volume names them.
        // 103 also lost the clips when the new event folder's own name was not durable: new archive directories
        // are fsynced into their parents at once.
        102, 103,
        // Hostile directory writes made a file's entry vanish while its chain stayed allocated: its clusters lived
        // only in the archive file of a record that recovery does not rebuild, and read back as zeros after a
        // restart. At each flush such clusters are now copied to staging.
        8, 15, 61, 143,
        // An event save cut (a tear, 1022) or killed (1202) while its directory clusters were half written to
        // staging: RecentClips already without the clips' entries, the event folder not yet there. The archive had
        // renamed the clips into the event folder, and recovery, which found clusters only through files the
        // volume names, served zeros for them. The move journal now records each file's head cluster, and
        // recovery takes such a file in as one whose entry vanished.
        1022, 1202,
        // A torn append to the move journal left zeros after its last complete line; the reader took the missing
        // final LF for a cut-short line and dropped that whole move, so recovery left a clip in the event folder
        // while the volume named it in RecentClips, its clusters reading zeros.
        1038,
        // A hostile write into a complete file's cluster, rewritten into its archive file in place by a flush: a
        // cut inside that flush (1144; 1028 too, depending on where the cut falls) left the archive with the new
        // bytes before `rewritten` was told, and recovery said nothing. The rewrite is now journaled first and
        // recovery tells it. (1028's cuts after the announcement failed only in the check, which kept the first
        // completion's bytes after a `rewritten` had superseded them.)
        1028, 1144,
        // A file whose entry vanished (the car deleted it, or a hostile directory write took its directory) while
        // its chain stayed allocated: the pass spilled the directory without it to staging and only later copied
        // the file's clusters out of its archive file to staging, so a kill (1046) or a cut with the kernel's
        // writeback (1082) in between left flushed clusters that recovery, which rebuilds only files the volume
        // names, served as zeros. Such a file is now journaled (its head, no destination) before the directory can
        // reach staging, and recovery takes it in by its head. 1082 also found recovery trusting a pending chain
        // file for its whole chain (a sparse one, or one created empty just before the kill) and letting it take
        // the path of the named file's archive file: only the clusters it holds are its own now, and the archive
        // file of a file the volume names is adopted, the pending one copied into it.
        1046, 1082,
        // Not an engine loss: the check's. A hostile FAT write freed a cluster (discard on, so its bytes were
        // discarded, as a TRIM would) and a later one allocated it again without rewriting it; it read zeros, and
        // the check allowed zeros only for a cluster free at the cut. It now allows them for one freed since its
        // last write.
        1179,
        // A hostile write to the root directory turned `TeslaCam` into `TESLACAM` (its long name broken) and took
        // the clips' entries away for a while. A cut with the kernel's writeback left a volume naming the chains
        // under TESLACAM/, where the archive had nothing: recovery passed over the journal's vanished lines
        // because the volume named their heads, made new empty archive files there and served zeros for the
        // clusters only the old files held. Such a file is now adopted by its head and renamed to the new path.
        1681,
    ] as [UInt64])
    func foundCases(_ seed: UInt64) {
        // The configuration that found them (three cuts, same random stream); the cut operations may shift a
        // little as the engine's own operations change.
        for failure in PowerCutCase(seed: seed).run() { Issue.record(Comment(rawValue: failure)) }
    }
}
