import Retention
import Testing
import Volume
@testable import teslacam

@Suite struct RetentionReportTests {
    static let now: Int64 = 1_800_000_000

    @Test func anOwnerReadsPathsSizesAgesReasonsAndTotals() {
        let old = ArchivedFileRow(path: "TeslaCam/RecentClips/2026-11-20_10-00-00-front.mp4", kind: .recent,
                                  state: .deleted, size: 30 << 20, recordedAt: Self.now - 3 * 86_400,
                                  deletedByCarAt: Self.now - 3 * 86_400 + 3600)
        let young = ArchivedFileRow(path: "TeslaCam/RecentClips/2026-11-22_10-00-00-front.mp4", kind: .recent,
                                    state: .deleted, size: 20 << 20, recordedAt: Self.now - 86_400)
        let space = VolumeSpace(volumeFreeBytes: 10 << 30, archiveFreeBytes: 20 << 30, archiveTotalBytes: 60 << 30)
        let policy = RetentionPolicy.standard
        let plan = Retention.plan(files: [old, young],
                                  space: SpaceReport(archiveFreeBytes: 20 << 30, volumeFreeBytes: 10 << 30),
                                  policy: policy, now: Self.now)
        let text = RetentionReport(plan: plan, policy: policy, space: space, now: Self.now, archive: "/srv/teslacam",
                                   keptDeleted: [old, young]).text(dryRun: true)
        #expect(text == """
            Retention of /srv/teslacam (dry run: nothing is changed)
            Policy: deleted RecentClips stay 2 days, deleted event clips 30 days; reserve auto = the volume's free clusters 10 GiB + minFree 2 GiB = 12 GiB
            Free space: 20 GiB of 60 GiB

            Would evict 1 file (30 MiB):
              30 MiB  3 days old  TeslaCam/RecentClips/2026-11-20_10-00-00-front.mp4
                      the car deleted it from RecentClips and it is older than 2 days (recentDays); the car deleted it 3 days ago

            Free space after: 20 GiB (estimated) (reserve 12 GiB)
            Kept: 1 file the car deleted (20 MiB)
            """)
    }

    @Test func derivedFilesAreNamedWithTheClipsTheyGoWith() {
        let clip = ArchivedFileRow(path: "TeslaCam/RecentClips/2026-11-20_10-00-00-front.mp4", kind: .recent,
                                   state: .deleted, size: 30 << 20, recordedAt: Self.now - 3 * 86_400,
                                   derivedBytes: 2 << 20)
        let space = VolumeSpace(volumeFreeBytes: 0, archiveFreeBytes: 20 << 30, archiveTotalBytes: 60 << 30)
        let plan = Retention.plan(files: [clip], space: SpaceReport(archiveFreeBytes: 20 << 30, volumeFreeBytes: 0),
                                  policy: .standard, now: Self.now)
        var report = RetentionReport(plan: plan, policy: .standard, space: space, now: Self.now, archive: "/a",
                                     keptDeleted: [clip])
        let planned = report.text(dryRun: true)
        #expect(planned.contains("2026-11-20_10-00-00-front.mp4  (and 2 MiB derived from it)"), "\(planned)")
        #expect(planned.contains("Their repaired copies and telemetry sidecars (2 MiB) would go with them."))
        report.derivedRemoved = (2, 2 << 20)
        #expect(report.text(dryRun: false).contains("Removed 2 derived files (2 MiB): repaired copies and telemetry sidecars"))
    }

    @Test func aShortfallAndWarningsAreSpelledOut() {
        let pending = ArchivedFileRow(path: "TeslaCam/SentryClips/e/a.mp4", kind: .sentry, state: .deleted,
                                      size: 1 << 20, recordedAt: Self.now, pendingSinks: ["s3"])
        let policy = RetentionPolicy(recentDays: 2, eventDays: 30, reserve: .fixed(1 << 30), minFreeBytes: 0)
        let plan = Retention.plan(files: [pending], space: SpaceReport(archiveFreeBytes: 0, volumeFreeBytes: 0),
                                  policy: policy, now: Self.now)
        let text = RetentionReport(plan: plan, policy: policy,
                                   space: VolumeSpace(volumeFreeBytes: 0, archiveFreeBytes: 0, archiveTotalBytes: 1 << 30),
                                   now: Self.now, archive: "/a", keptDeleted: [pending]).text(dryRun: false)
        #expect(text.contains("Free space: 0 bytes of 1 GiB (1 GiB below the reserve)"))
        #expect(text.contains("Evicted 1 file (1 MiB):"))
        #expect(text.contains("WARNING: free space below the reserve and nothing else left: deleted event clip NOT uploaded to s3"))
        #expect(text.contains("1023 MiB short, and nothing else may go"))
        #expect(text.contains("WARNING: 1 file not uploaded everywhere were evicted for space."))
    }
}
