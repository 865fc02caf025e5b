import HarvestCore
import Testing

/// The planner judged without root, files or a real clock: a record, the cluster map, what the shell observed
/// and a clock value in; the plan out.
@Suite struct HarvestPlannerTests {
    static let clusterSize = 4096
    /// Three clusters for 10 000 bytes: the last one 1 808 bytes in, the rest its slack.
    static let size: UInt64 = 10_000
    static let clusters: [UInt32] = [5, 6, 7]
    /// A manual clock: instants are values, moved by hand.
    static let start = ContinuousClock.now

    static func record(state: ArchivedFile.State = .growing, previousSize: UInt64? = nil) -> ArchivedFile {
        ArchivedFile(id: 1, path: "TeslaCam/RecentClips/2026-03-01_10-00-00-front.mp4",
                     carPath: "TeslaCam/RecentClips/2026-03-01_10-00-00-front.mp4", head: 5, size: size,
                     clusters: clusters, state: state, previousSize: previousSize)
    }

    /// Every cluster in its home in the archive file.
    static var placed: ClusterMap {
        var map = ClusterMap(clusterCount: 100)
        for (i, cluster) in clusters.enumerated() { map[cluster] = .placed(file: 1, index: UInt32(i)) }
        return map
    }

    static func judge(_ record: ArchivedFile, boxes: Bool?, after seconds: Int, size: UInt64 = size,
                      map: ClusterMap = placed) -> Judgement {
        HarvestPlanner.judge(record, FileObservation(size: size, isWhole: record.state != .complete, boxesConsistent: boxes),
                             map: map, clusterSize: clusterSize, now: start + .seconds(seconds))
    }

    @Test func anMP4WhoseBoxesAreConsistentCompletesInTheSamePlan() {
        let judgement = Self.judge(Self.record(), boxes: true, after: 0)
        #expect(judgement.completed && judgement.record.state == .complete)
        #expect(judgement.plan.eventKinds == [.complete])
        // The slack of the last cluster goes to staging (the volume still reads it), its part within the size is
        // copied back, and the archive file ends at the car's size.
        #expect(judgement.plan.steps == [
            .stage(cluster: 7, file: 1, index: 2),
            .copy(cluster: 7, file: 1, index: 2, length: 1808),
            .setSize(file: 1, size: Self.size),
        ])
    }

    @Test func anUnfinishedMP4WaitsNinetySecondsByTheClock() {
        var record = Self.record()
        var completedAt: Int?
        for second in [0, 1, 2, 3, 30, 60, 89, 90] {
            let judgement = Self.judge(record, boxes: false, after: second)
            record = judgement.record
            #expect(judgement.plan.events.isEmpty == !judgement.completed, "at \(second) s")
            if judgement.completed {
                completedAt = second
                #expect(judgement.latency == .seconds(90))
                #expect(judgement.plan.eventKinds == [.complete])
                break
            }
        }
        #expect(completedAt == 90)
    }

    @Test func aFileThatIsNoMP4CompletesAfterTheQuietPeriod() {
        let first = Self.judge(Self.record(), boxes: nil, after: 0)
        #expect(!first.completed && first.record.previousSize == Self.size && first.record.sizeChangedAt == Self.start)
        #expect(!Self.judge(first.record, boxes: nil, after: 1).completed)
        let later = Self.judge(first.record, boxes: nil, after: 2)
        #expect(later.completed && later.latency == .seconds(2))
    }

    @Test func aGrowingFileIsToldGrowingAndItsClockRestarts() {
        let first = Self.judge(Self.record(), boxes: false, after: 0, size: 8192)
        let grown = Self.judge(first.record, boxes: false, after: 80, size: Self.size)
        #expect(grown.plan.eventKinds == [.growing] && grown.record.sizeChangedAt == Self.start + .seconds(80))
        // 90 s from the last change, not from the first judgement.
        #expect(!Self.judge(grown.record, boxes: false, after: 95).completed)
        #expect(Self.judge(grown.record, boxes: false, after: 170).completed)
    }

    @Test func aCompleteFileReopensOnlyWhenItsSizeChanges() {
        let complete = Self.record(state: .complete, previousSize: Self.size)
        #expect(Self.judge(complete, boxes: nil, after: 5).plan.events.isEmpty)
        let reopened = Self.judge(complete, boxes: nil, after: 5, size: 12_000)
        #expect(reopened.plan.eventKinds == [.reopened] && reopened.record.state == .growing)
    }

    @Test func aRewriteInsideACompleteFileYieldsRewrittenAndComplete() {
        let complete = Self.record(state: .complete, previousSize: Self.size)
        #expect(HarvestPlanner.rewrite(complete, size: Self.size, flush: true, owed: false, written: true,
                                       archiveRefused: false) == .copy)
        // The muxer's late mdat size: the first cluster was written again and waits in the cache.
        var map = Self.placed
        map[5] = .cached(staleCopyStaged: false)
        let plan = HarvestPlanner.rewritePlan(complete, map: map, clusterSize: Self.clusterSize)
        #expect(plan.steps == [.copy(cluster: 5, file: 1, index: 0, length: 4096)])
        #expect(plan.eventKinds == [.rewritten, .complete])
        // Told only once the archive has the bytes.
        #expect(plan.events.allSatisfy { $0.requiresCopiesOf == 1 })
    }

    @Test func aRewriteWaitsForAFlushAndForADiskThatTakesWrites() {
        let complete = Self.record(state: .complete, previousSize: Self.size)
        func decide(flush: Bool = true, owed: Bool = false, written: Bool = true, refused: Bool = false,
                    size: UInt64 = Self.size) -> HarvestPlanner.Rewrite {
            HarvestPlanner.rewrite(complete, size: size, flush: flush, owed: owed, written: written, archiveRefused: refused)
        }
        #expect(decide(flush: false) == .leave)
        #expect(decide(written: false) == .leave)
        #expect(decide(owed: true, written: false) == .copy)
        #expect(decide(refused: true) == .owe)
        #expect(decide(size: 12_000) == .notARewrite)
        #expect(HarvestPlanner.rewrite(Self.record(), size: Self.size, flush: true, owed: false, written: true,
                                       archiveRefused: false) == .notARewrite)
    }

    @Test func aDeletedFileIsTrimmedWithoutCopies() {
        var map = Self.placed
        map[6] = .cached(staleCopyStaged: false)  // freed and reused by another file: not this file's bytes
        #expect(HarvestPlanner.finalize(Self.record(), map: map, clusterSize: Self.clusterSize, live: false) == [
            .stage(cluster: 7, file: 1, index: 2), .setSize(file: 1, size: Self.size),
        ])
    }

    @Test func everyClusterMustBePresentAndUncontested() {
        var map = Self.placed
        #expect(HarvestPlanner.allPresent(Self.clusters[...], of: 1, map: map, contested: []))
        #expect(!HarvestPlanner.allPresent(Self.clusters[...], of: 1, map: map, contested: [6]))
        #expect(!HarvestPlanner.allPresent(Self.clusters[...], of: 2, map: map, contested: []))
        map[6] = .unwritten
        #expect(!HarvestPlanner.allPresent(Self.clusters[...], of: 1, map: map, contested: []))
        map[6] = .staged
        #expect(HarvestPlanner.allPresent(Self.clusters[...], of: 1, map: map, contested: []))
    }

    @Test func aFlushSyncsThenGivesBackOnlyStagingCopiesWhoseClusterIsHome() {
        var map = Self.placed
        map[6] = .cached(staleCopyStaged: true)  // written again since: its staged copy is not given back yet
        map[9] = .staged
        #expect(HarvestPlanner.flush(punching: [5, 6, 9], map: map).steps == [.synchronize, .punchStaging(cluster: 5)])
    }

    @Test func aClipWithALaterClipOfItsCameraHasASuccessor() {
        let keys = [
            ClipKey(name: "2026-03-01_10-00-00-front.mp4", directory: "TeslaCam/RecentClips"),
            ClipKey(name: "2026-03-01_10-01-00-front.mp4", directory: "TeslaCam/RecentClips"),
            ClipKey(name: "2026-03-01_10-00-00-back.mp4", directory: "TeslaCam/RecentClips"),
            ClipKey(name: "event.json", directory: "TeslaCam/SavedClips/x"),
        ]
        #expect(keys[3] == nil)
        #expect(ClipKey.haveSuccessors(keys) == [true, false, false, false])
    }

    @Test func deletedRecordsRetireOnceNoClusterReadsThroughThem() {
        var files = ArchiveIndex()
        var deleted = Self.record(state: .deleted)
        files[1] = deleted
        deleted = ArchivedFile(id: 2, path: "b", carPath: "b", head: 40, size: 1, clusters: [40], state: .deleted,
                               previousSize: 1)
        files[2] = deleted
        var map = ClusterMap(clusterCount: 100)
        map[5] = .placed(file: 1, index: 0)
        let (retire, forget) = HarvestPlanner.retirement(of: [1, 2, 3], files: files, vanished: [:], map: map)
        #expect(retire == [2] && forget == [3])
        // A chain still allocated under no entry (a move seen half-way) keeps its record.
        #expect(HarvestPlanner.retirement(of: [2], files: files, vanished: [40: 2], map: map).retire.isEmpty)
    }
}

extension HarvestPlannerTests {
    @Test func aVanishedFilesClustersStillAllocatedGoToStaging() {
        var files = ArchiveIndex()
        files[1] = Self.record(state: .deleted)
        var map = Self.placed
        map[6] = .staged  // already there
        let steps = HarvestPlanner.stageVanished([1, 9], files: files, map: map) { $0 != 7 }  // 7 freed by the car
        #expect(steps == [.stage(cluster: 5, file: 1, index: 0)])
    }
}

extension HarvestPlannerTests {
    @Test func aDeletedGrowingFileIsTrimmedReleasedAndToldDeleted() {
        let (record, plan) = HarvestPlanner.delete(Self.record(), map: Self.placed, clusterSize: Self.clusterSize)
        #expect(record.state == .deleted)
        #expect(plan.steps == [.stage(cluster: 7, file: 1, index: 2), .setSize(file: 1, size: Self.size), .release(file: 1)])
        #expect(plan.eventKinds == [.deleted])
        // A complete one is already trimmed.
        let complete = HarvestPlanner.delete(Self.record(state: .complete), map: Self.placed, clusterSize: Self.clusterSize)
        #expect(complete.plan.steps == [.release(file: 1)])
    }
}

extension HarvestPlannerTests {
    @Test func aPendingChainWhoseClustersAllLeftIsAbandoned() {
        var files = ArchiveIndex()
        files[1] = Self.record()  // not pending: never abandoned here
        for (id, cluster) in [(UInt32(2), UInt32(20)), (3, 30)] {
            files[id] = ArchivedFile(id: id, path: ".teslacam-pending/chain-\(cluster)", carPath: "", head: cluster,
                                     size: 0, clusters: [cluster], state: .growing, isPending: true, previousSize: nil)
        }
        var map = ClusterMap(clusterCount: 100)
        map[20] = .placed(file: 2, index: 0)
        map[30] = .placed(file: 1, index: 4)  // moved to its owner
        #expect(HarvestPlanner.abandonedPending(files, map: map) == [3])
    }
}

extension HarvestPlannerTests {
    static func placement(_ record: ArchivedFile, size: UInt64 = size, rewrite: Bool = false, cached: Set<UInt32>,
                          map: ClusterMap, contested: Set<UInt32> = []) -> [HarvestStep] {
        HarvestPlanner.placement(of: record, clusters: clusters, size: size, rewrite: rewrite, cached: cached.contains,
                                 contested: contested, files: ArchiveIndex(), map: map, clusterSize: clusterSize)
    }

    @Test func aGrowingFilesCachedClustersGoHomeWholeEvenPastItsSize() {
        var map = ClusterMap(clusterCount: 100)
        for cluster in Self.clusters { map[cluster] = .cached(staleCopyStaged: false) }
        // The entry's size still says one cluster: the chain's later clusters are this file's at their position.
        #expect(Self.placement(Self.record(), size: 4096, cached: Set(Self.clusters), map: map) == [
            .place(cluster: 5, file: 1, index: 0, from: .cache),
            .place(cluster: 6, file: 1, index: 1, from: .cache),
            .place(cluster: 7, file: 1, index: 2, from: .cache),
        ])
        // A cluster two files claim goes nowhere.
        #expect(Self.placement(Self.record(), cached: Set(Self.clusters), map: map, contested: [6]).count == 2)
    }

    @Test func aFileThatStoppedGrowingKeepsItsLastStagedClusterInStaging() {
        var map = ClusterMap(clusterCount: 100)
        for cluster in Self.clusters { map[cluster] = .staged }
        let growing = Self.placement(Self.record(previousSize: 8192), cached: [], map: map)
        let promoted = growing.compactMap { step -> UInt32? in
            if case let .place(cluster, _, _, .staging) = step { return cluster }
            return nil
        }
        #expect(promoted == [5, 6, 7])
        let still = Self.placement(Self.record(previousSize: Self.size), cached: [], map: map)
        #expect(still.count == 2)  // the partial last one stays: `finalize` put it there
    }

    @Test func aRewriteLeavesItsPartialLastClusterToTheCopy() {
        var map = Self.placed
        map[5] = .cached(staleCopyStaged: false)
        map[7] = .cached(staleCopyStaged: false)
        #expect(Self.placement(Self.record(state: .complete, previousSize: Self.size), rewrite: true, cached: [5, 7],
                               map: map) == [.place(cluster: 5, file: 1, index: 0, from: .cache)])
    }
}

extension HarvestPlannerTests {
    /// Seed 1640: a FAT rewrite took cluster 7 out of its place in a pending chain file (its chain now 5 → 6 → 9).
    /// It goes to staging at the flush, unless the car freed it; clusters still in place stay, and so do those of
    /// a file that is not pending (the pass follows their chain itself).
    @Test func clustersMovedOutOfTheirPlaceInAPendingChainAreStaged() {
        var pending = Self.record()
        pending.isPending = true
        let chains: [UInt32: [UInt32]] = [5: [5, 6, 9]]
        func chain(_ record: ArchivedFile, _ limit: Int) -> [UInt32] { Array((chains[record.head] ?? []).prefix(limit)) }
        #expect(Self.clusters == [5, 6, 7])
        let steps = HarvestPlanner.stageDisowned([pending], map: Self.placed, chain: chain) { _ in true }
        #expect(steps == [.stage(cluster: 7, file: 1, index: 2)])
        #expect(HarvestPlanner.stageDisowned([pending], map: Self.placed, chain: chain) { $0 != 7 }.isEmpty)
        #expect(HarvestPlanner.stageDisowned([Self.record()], map: Self.placed, chain: chain) { _ in true }.isEmpty)
        let cutShort = HarvestPlanner.stageDisowned([pending], map: Self.placed, chain: { _, _ in [5] }) { _ in true }
        #expect(cutShort == [.stage(cluster: 6, file: 1, index: 1), .stage(cluster: 7, file: 1, index: 2)])
    }
}
