import Retention
import Testing

@Suite struct RetentionTests {
    static let day: Int64 = 86_400
    static let now: Int64 = 1_800_000_000
    static let mib: UInt64 = 1 << 20

    /// A car-deleted file recorded `daysAgo` days before `now`.
    static func deleted(_ path: String, _ kind: RecordKind, daysAgo: Double, size: UInt64 = 30 << 20,
                        pending: [String] = []) -> ArchivedFileRow {
        let recorded = now - Int64(daysAgo * Double(day))
        return ArchivedFileRow(path: path, kind: kind, state: .deleted, size: size, recordedAt: recorded,
                               deletedByCarAt: recorded + 3600, pendingSinks: pending)
    }

    /// Plenty of free space: only the age rules act.
    static let roomy = SpaceReport(archiveFreeBytes: 100 << 30, volumeFreeBytes: 10 << 30)

    func plan(_ files: [ArchivedFileRow], space: SpaceReport = roomy,
              policy: RetentionPolicy = .standard) -> RetentionPlan {
        Retention.plan(files: files, space: space, policy: policy, now: Self.now)
    }

    // MARK: The queue (what the Now page shows)

    @Test func theQueueListsWhatGoesNextInRetentionsOrderWhateverTheSpace() {
        let files = [
            Self.deleted("TeslaCam/SentryClips/e1/a-front.mp4", .sentry, daysAgo: 1, pending: ["nas"]),
            Self.deleted("TeslaCam/SavedClips/e2/b-front.mp4", .saved, daysAgo: 3),
            Self.deleted("TeslaCam/RecentClips/young-front.mp4", .recent, daysAgo: 0.5),
            Self.deleted("TeslaCam/RecentClips/old-front.mp4", .recent, daysAgo: 2.5),
            // The car still has it: never in the queue.
            ArchivedFileRow(path: "TeslaCam/RecentClips/kept-front.mp4", kind: .recent, state: .complete, size: 1, recordedAt: Self.now - 9 * Self.day),
        ]
        // Roomy: the plan evicts only the expired clip; the queue goes on as if space ran short.
        #expect(plan(files).evictions.map(\.file.path) == ["TeslaCam/RecentClips/old-front.mp4"])
        let queue = Retention.queue(files: files, policy: .standard, now: Self.now, limit: 10)
        #expect(queue.map(\.file.path) == ["TeslaCam/RecentClips/old-front.mp4", "TeslaCam/RecentClips/young-front.mp4",
                                           "TeslaCam/SavedClips/e2/b-front.mp4", "TeslaCam/SentryClips/e1/a-front.mp4"])
        #expect(queue.map(\.reason) == [.recentExpired(days: 2), .spaceRecent, .spaceEventUploaded,
                                         .spaceEventNotUploaded(pendingSinks: ["nas"])])
        #expect(Retention.queue(files: files, policy: .standard, now: Self.now, limit: 2).count == 2)
        #expect(Retention.queue(files: [], policy: .standard, now: Self.now, limit: 5).isEmpty)
    }

    // MARK: By age

    @Test func carDeletedRecentClipsGoOnceOlderThanRecentDays() {
        let files = [
            Self.deleted("TeslaCam/RecentClips/old-front.mp4", .recent, daysAgo: 2.5),
            Self.deleted("TeslaCam/RecentClips/young-front.mp4", .recent, daysAgo: 1.5),
        ]
        let result = plan(files)
        #expect(result.evictions.map(\.file.path) == ["TeslaCam/RecentClips/old-front.mp4"])
        #expect(result.evictions.first?.reason == .recentExpired(days: 2))
        #expect(result.warnings.isEmpty)
    }

    @Test func aFileExactlyAtTheLimitStays() {
        let files = [Self.deleted("TeslaCam/RecentClips/edge-front.mp4", .recent, daysAgo: 2)]
        #expect(plan(files).evictions.isEmpty)
    }

    @Test func eventClipsGoAfterEventDaysOnlyOnceEverySinkAcknowledgedThem() {
        let files = [
            Self.deleted("TeslaCam/SavedClips/e1/a-front.mp4", .saved, daysAgo: 31),
            Self.deleted("TeslaCam/SentryClips/e2/a-front.mp4", .sentry, daysAgo: 40, pending: ["s3"]),
            Self.deleted("TeslaCam/SentryClips/e3/a-front.mp4", .sentry, daysAgo: 29),
            Self.deleted("TeslaTrackMode/lap.mp4", .track, daysAgo: 35),
        ]
        let result = plan(files)
        // The 40-day sentry clip waits for its sink; the others go, oldest first.
        #expect(result.evictions.map(\.file.path) == ["TeslaTrackMode/lap.mp4", "TeslaCam/SavedClips/e1/a-front.mp4"])
        #expect(result.evictions.allSatisfy { $0.reason == .eventExpired(days: 30) })
    }

    @Test func recentDaysDoNotApplyToEventClips() {
        let files = [Self.deleted("TeslaCam/SavedClips/e1/a-front.mp4", .saved, daysAgo: 5)]
        #expect(plan(files).evictions.isEmpty)
    }

    @Test func ageEvictionsComeOldestFirst() {
        let files = [
            Self.deleted("TeslaCam/RecentClips/c.mp4", .recent, daysAgo: 3),
            Self.deleted("TeslaCam/RecentClips/a.mp4", .recent, daysAgo: 5),
            Self.deleted("TeslaCam/RecentClips/b.mp4", .recent, daysAgo: 4),
        ]
        #expect(plan(files).evictions.map(\.file.path) == ["TeslaCam/RecentClips/a.mp4", "TeslaCam/RecentClips/b.mp4",
                                                           "TeslaCam/RecentClips/c.mp4"])
    }

    @Test func fractionalDaysAreHonoured() {
        let policy = RetentionPolicy(recentDays: 0.5, eventDays: 30, reserve: .auto, minFreeBytes: 0)
        let files = [
            Self.deleted("TeslaCam/RecentClips/a.mp4", .recent, daysAgo: 0.6),
            Self.deleted("TeslaCam/RecentClips/b.mp4", .recent, daysAgo: 0.4),
        ]
        #expect(plan(files, policy: policy).evictions.map(\.file.path) == ["TeslaCam/RecentClips/a.mp4"])
    }

    @Test func aClockSetBackMakesNothingOld() {
        var file = Self.deleted("TeslaCam/RecentClips/future.mp4", .recent, daysAgo: 0)
        file.recordedAt = Self.now + 10 * Self.day
        #expect(file.age(at: Self.now) == 0)
        #expect(plan([file]).evictions.isEmpty)
    }

    // MARK: Never

    @Test func neverWhatTheVolumeReferencesOrTheCarStillHas() {
        var referenced = Self.deleted("TeslaCam/RecentClips/ref.mp4", .recent, daysAgo: 10, size: 1 << 30)
        referenced.referencedByVolume = true
        let live = ArchivedFileRow(path: "TeslaCam/RecentClips/live.mp4", kind: .recent, state: .complete,
                                   size: 1 << 30, recordedAt: Self.now - 10 * Self.day)
        let growing = ArchivedFileRow(path: "TeslaCam/RecentClips/growing.mp4", kind: .recent, state: .growing,
                                      size: 1 << 30, recordedAt: Self.now - 10 * Self.day)
        var gone = Self.deleted("TeslaCam/RecentClips/gone.mp4", .recent, daysAgo: 10)
        gone.state = .evicted
        // No space at all: even the space rules may not touch them.
        let full = SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 5 << 30)
        let result = plan([referenced, live, growing, gone], space: full)
        #expect(result.evictions.isEmpty)
        #expect(result.shortfallBytes == (5 << 30) + (2 << 30))
    }

    @Test func neverTheStateDirectoryPendingChainsOrPathsLeavingTheArchive() {
        let files = [
            Self.deleted("state/catalog.sqlite", .other, daysAgo: 100),
            Self.deleted("state", .other, daysAgo: 100),
            Self.deleted(".teslacam-pending/chain-17", .other, daysAgo: 100),
            Self.deleted("TeslaCam/../../etc/passwd", .other, daysAgo: 100),
            Self.deleted("", .other, daysAgo: 100),
            Self.deleted("statefile.mp4", .other, daysAgo: 100),
        ]
        let result = Retention.plan(files: files, space: SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 1 << 40),
                                    policy: .standard, now: Self.now,
                                    protecting: Retention.alwaysProtected + ["state/"])
        // A name that merely starts like the state directory is not inside it.
        #expect(result.evictions.map(\.file.path) == ["statefile.mp4"])
    }

    // MARK: By space

    @Test func autoReserveIsTheVolumesFreeClustersPlusMinFree() {
        let policy = RetentionPolicy.standard
        #expect(policy.reserveBytes(for: SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 3 << 30)) == 5 << 30)
        let fixed = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .fixed(7 << 30), minFreeBytes: 2 << 30)
        #expect(fixed.reserveBytes(for: SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 3 << 30)) == 7 << 30)
        let huge = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .auto, minFreeBytes: .max)
        #expect(huge.reserveBytes(for: SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 1)) == .max)
    }

    @Test func belowTheReserveTheOldestGoInTierOrderUntilTheReserveIsMet() {
        let size = 100 * Self.mib
        let files = [
            Self.deleted("TeslaCam/SavedClips/e/old-uploaded.mp4", .saved, daysAgo: 1.0, size: size),
            Self.deleted("TeslaCam/SentryClips/e/old-pending.mp4", .sentry, daysAgo: 1.1, size: size, pending: ["s3"]),
            Self.deleted("TeslaCam/RecentClips/r2.mp4", .recent, daysAgo: 0.2, size: size),
            Self.deleted("TeslaCam/RecentClips/r1.mp4", .recent, daysAgo: 0.3, size: size),
            Self.deleted("TeslaCam/SavedClips/e/young-uploaded.mp4", .saved, daysAgo: 0.1, size: size),
        ]
        // Reserve 1 GiB (volume) + 100 MiB (minFree); 750 MiB free: 374 MiB missing, four files of 100 MiB.
        let policy = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .auto, minFreeBytes: 100 * Self.mib)
        let space = SpaceReport(archiveFreeBytes: 750 * Self.mib, volumeFreeBytes: 1 << 30)
        let result = plan(files, space: space, policy: policy)
        #expect(result.evictions.map(\.file.path) == [
            "TeslaCam/RecentClips/r1.mp4", "TeslaCam/RecentClips/r2.mp4",
            "TeslaCam/SavedClips/e/old-uploaded.mp4", "TeslaCam/SavedClips/e/young-uploaded.mp4",
        ])
        #expect(result.evictions.map(\.reason) == [.spaceRecent, .spaceRecent, .spaceEventUploaded, .spaceEventUploaded])
        #expect(result.freeAfterBytes == 1150 * Self.mib)
        #expect(result.shortfallBytes == 0)
        #expect(result.warnings.isEmpty)
        #expect(result.evictedBytes == 400 * Self.mib)
    }

    @Test func notUploadedEventClipsGoLastAndEachIsAWarning() {
        let files = [
            Self.deleted("TeslaCam/SentryClips/e/b.mp4", .sentry, daysAgo: 1, size: Self.mib, pending: ["s3", "rsync"]),
            Self.deleted("TeslaCam/SentryClips/e/a.mp4", .sentry, daysAgo: 2, size: Self.mib, pending: ["s3"]),
            Self.deleted("TeslaCam/RecentClips/r.mp4", .recent, daysAgo: 0, size: Self.mib),
        ]
        let space = SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 0)
        let policy = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .fixed(2 * Self.mib + 1), minFreeBytes: 0)
        let result = plan(files, space: space, policy: policy)
        #expect(result.evictions.map(\.file.path) == ["TeslaCam/RecentClips/r.mp4", "TeslaCam/SentryClips/e/a.mp4",
                                                      "TeslaCam/SentryClips/e/b.mp4"])
        #expect(result.evictions[1].reason == .spaceEventNotUploaded(pendingSinks: ["s3"]))
        #expect(result.warnings.count == 2)
        #expect(result.warnings.allSatisfy { $0.reason.description.contains("NOT uploaded") })
        #expect(result.shortfallBytes == 0)
    }

    @Test func enoughFreeSpaceEvictsNothingBySpace() {
        let files = [Self.deleted("TeslaCam/RecentClips/r.mp4", .recent, daysAgo: 1)]
        let space = SpaceReport(archiveFreeBytes: 5 << 30, volumeFreeBytes: 3 << 30)  // reserve exactly 5 GiB
        #expect(plan(files, space: space).evictions.isEmpty)
    }

    @Test func ageEvictionsCountTowardsTheReserve() {
        // The old clip's eviction already frees enough: no young clip goes for space.
        let files = [
            Self.deleted("TeslaCam/RecentClips/old.mp4", .recent, daysAgo: 3, size: 2 << 30),
            Self.deleted("TeslaCam/RecentClips/young.mp4", .recent, daysAgo: 1, size: 2 << 30),
        ]
        let space = SpaceReport(archiveFreeBytes: 4 << 30, volumeFreeBytes: 3 << 30)
        let result = plan(files, space: space)
        #expect(result.evictions.map(\.file.path) == ["TeslaCam/RecentClips/old.mp4"])
        #expect(result.freeAfterBytes == 6 << 30)
    }

    @Test func derivedFilesCountInTheSpaceAnEvictionGivesBack() {
        // Each clip has a 50 MiB repaired copy and sidecar beside it: 100 MiB missing needs one clip, not two.
        var old = Self.deleted("TeslaCam/RecentClips/old.mp4", .recent, daysAgo: 1.5, size: 60 * Self.mib)
        old.derivedBytes = 50 * Self.mib
        var young = Self.deleted("TeslaCam/RecentClips/young.mp4", .recent, daysAgo: 1, size: 60 * Self.mib)
        young.derivedBytes = 50 * Self.mib
        let policy = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .fixed(200 * Self.mib), minFreeBytes: 0)
        let space = SpaceReport(archiveFreeBytes: 100 * Self.mib, volumeFreeBytes: 0)
        let result = plan([young, old], space: space, policy: policy)
        #expect(result.evictions.map(\.file.path) == ["TeslaCam/RecentClips/old.mp4"])
        #expect(result.freeAfterBytes == 210 * Self.mib)
        #expect(result.evictedBytes == 60 * Self.mib)
        #expect(result.derivedBytes == 50 * Self.mib)
        // Without them counted, both clips would have had to go.
        old.derivedBytes = 0
        young.derivedBytes = 0
        #expect(plan([young, old], space: space, policy: policy).evictions.count == 2)
    }

    @Test func aShortfallIsReportedWhenNothingElseMayGo() {
        let files = [Self.deleted("TeslaCam/RecentClips/r.mp4", .recent, daysAgo: 1, size: Self.mib)]
        let space = SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 10 * Self.mib)
        let policy = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .auto, minFreeBytes: 0)
        let result = plan(files, space: space, policy: policy)
        #expect(result.evictions.count == 1)
        #expect(result.shortfallBytes == 9 * Self.mib)
    }

    @Test func aFileIsNeverEvictedTwice() {
        let file = Self.deleted("TeslaCam/RecentClips/r.mp4", .recent, daysAgo: 3, size: Self.mib)
        let space = SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 1 << 30)
        let result = plan([file, file], space: space)
        #expect(result.evictions.count == 1)
    }

    @Test func reasonsReadAsSentences() {
        #expect(EvictionReason.recentExpired(days: 2).description
            == "the car deleted it from RecentClips and it is older than 2 days (recentDays)")
        #expect(EvictionReason.eventExpired(days: 1).description.contains("older than 1 day (eventDays)"))
        #expect(EvictionReason.recentExpired(days: 0.5).description.contains("0.5 days"))
    }
}
