import Outbound
import Testing

@Suite struct RecordTests {
    @Test func pathsSayTheKindAndTheRole() throws {
        let sentry = try #require(FileRecord(archivePath: "TeslaCam/SentryClips/2026-11-25_10-00-00/event.json"))
        #expect(sentry.kind == .sentry)
        #expect(sentry.event == "SentryClips/2026-11-25_10-00-00")
        #expect(sentry.role == .eventDescription)
        let thumb = try #require(FileRecord(archivePath: "TeslaCam/SavedClips/2026-11-25_10-00-00/thumb.png"))
        #expect(thumb.kind == .saved && thumb.role == .thumbnail)
        let recent = try #require(FileRecord(archivePath: "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"))
        #expect(recent.kind == .recent && recent.role == .clip && recent.event == nil)
        #expect(FileRecord(archivePath: "TeslaTrackMode/lap.mp4")?.kind == .track)
        // Not records: the harvest's bookkeeping, folders the car does not write, escapes.
        #expect(FileRecord(archivePath: ".teslacam-pending/chain-12") == nil)
        #expect(FileRecord(archivePath: "TeslaCam/RecentClips/x/y.mp4") == nil)
        #expect(FileRecord(archivePath: "TeslaCam/SentryClips/../../etc/passwd") == nil)
        #expect(FileRecord(archivePath: "Music/song.mp3") == nil)
    }

    @Test func eventsGoBeforeTheRollingBufferAndDescriptionsBeforeClips() throws {
        let paths = [
            "TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4",
            "TeslaCam/SavedClips/E/2026-11-25_10-00-00-front.mp4",
            "TeslaCam/SentryClips/E/2026-11-25_10-00-00-back.mp4",
            "TeslaCam/SentryClips/E/thumb.png",
            "TeslaCam/SentryClips/E/event.json",
            "TeslaCam/SavedClips/E/event.json",
            "TeslaTrackMode/lap.mp4",
        ]
        let ordered = try paths.map { try #require(FileRecord(archivePath: $0)) }
            .sorted { $0.rank < $1.rank }.map(\.archivePath)
        #expect(ordered == [
            "TeslaCam/SentryClips/E/event.json",
            "TeslaCam/SentryClips/E/thumb.png",
            "TeslaCam/SentryClips/E/2026-11-25_10-00-00-back.mp4",
            "TeslaCam/SavedClips/E/event.json",
            "TeslaCam/SavedClips/E/2026-11-25_10-00-00-front.mp4",
            "TeslaTrackMode/lap.mp4",
            "TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4",
        ])
    }

    @Test func remoteNamesMirrorTheArchiveUnderThePrefix() {
        #expect(RemoteName.of(archivePath: "TeslaCam/SentryClips/E/event.json", prefix: "model3/")
                == "model3/TeslaCam/SentryClips/E/event.json")
        #expect(RemoteName.of(archivePath: "TeslaCam/RecentClips/a.mp4", prefix: "") == "TeslaCam/RecentClips/a.mp4")
        #expect(RemoteName.of(archivePath: "TeslaCam/RecentClips/a.mp4", prefix: "/cars//m3/")
                == "cars/m3/TeslaCam/RecentClips/a.mp4")
    }

    @Test func routesNameSinksOncePerKindAndReportUndefinedOnes() {
        let routes = Routes([.sentry: ["cloud", "nas", "cloud"], .recent: ["nas"], .alerts: ["phone"]])
        #expect(routes.sinks(for: .sentry) == ["cloud", "nas"])
        #expect(routes.sinks(for: .saved) == [])
        #expect(routes.routedSinks == ["cloud", "nas", "phone"])
        let undefined = routes.undefined(among: ["nas", "phone"])
        #expect(undefined.map(\.sink) == ["cloud"])
        #expect(undefined.map(\.kind) == [.sentry])
    }
}
