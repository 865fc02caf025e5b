import CarSimulator
import Foundation
import Retention
import Testing
@testable import teslacam

/// A short soak: what must stay level over a board's months stays level over two simulated hours of driving and
/// Sentry Mode with retention evicting (figures, never timing).
@Suite struct SoakTests {
    static func soak() throws -> SoakBenchmark.Outcome {
        var bench = SoakBenchmark(directory: NSTemporaryDirectory() + "teslacam-soak-\(UUID().uuidString)")
        bench.size = "512M"
        bench.hours = 2
        bench.room = 1 << 20
        bench.car = { day in
            day.clipBytes = 12 << 10 ... 24 << 10
            day.chunkBytes = 4 << 10 ... 12 << 10
            day.keepMinutes = 10
            day.eventMinutes = 3
            day.savedEvery = 8
            day.sentryEvery = 4
            day.keepEvents = 3
            // Forty minutes of driving, twenty parked in Sentry Mode, each hour.
            day.schedule = { $0 % 60 < 40 ? .driving : .sentry }
        }
        return try bench.run()
    }

    @Test func recordsOfDeletedFilesAreRetiredAndRetentionKeepsTheArchiveLevel() throws {
        let outcome = try Self.soak()
        #expect(outcome.hours.map(\.hour) == [1, 2])
        for hour in outcome.hours {
            // The harvest follows the car's live files, not every file it ever saw: a few more at most (a pending
            // chain, a deleted file whose clusters the car has not reused yet).
            #expect(hour.recordsHeld <= hour.carFiles + 8, "hour \(hour.hour): \(hour.recordsHeld) records for \(hour.carFiles) files")
            #expect(hour.carFiles > 0)
        }
        let (first, last) = (outcome.hours[0], outcome.hours[1])
        // The car deleted hundreds of files (10 minutes of six cameras kept, events pruned): their records went.
        #expect(last.recordsRetired > first.recordsRetired)
        #expect(last.recordsRetired > 200)
        // Retention really evicted, through the engine, and nothing failed.
        #expect(outcome.evictions > 0)
        #expect(outcome.failedEvictions == 0)
        #expect(first.evictions > 0 && last.evictions > 0)
        // The archive holds the car's live clips plus about `room` of what it deleted: the second hour adds as
        // much as it evicts.
        let grown = Double(last.archiveBytes) / Double(first.archiveBytes)
        #expect(grown < 1.25, "archive \(first.archiveBytes) → \(last.archiveBytes)")
        // Every row stays in the catalog (evicted rows keep their metadata): it grows with what was recorded.
        #expect(last.catalogRows > first.catalogRows)
        #expect(outcome.statistics.filesCompleted > 0)
    }

    @Test func theTableHasALinePerHour() {
        let hour = SoakHour(hour: 3, drivingMinutes: 0, sentryEvents: 2, carFiles: 40, rssKiB: 40_960, recordsHeld: 41,
                            recordsRetired: 7, catalogRows: 90, catalogBytes: 1 << 20, archiveBytes: 3 << 20,
                            evictions: 2, evictedBytes: 300 << 10)
        let lines = SoakHour.table([hour]).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("records held"))
        #expect(lines[1].contains("parked, 2 sentry"))
        #expect(lines[1].contains("40.0"))
        #expect(lines[1].contains("2 (300 KiB)"))
        #expect(lines[0].count == lines[1].count)
    }
}
