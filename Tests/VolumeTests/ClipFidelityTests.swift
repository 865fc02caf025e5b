import BlockTrace
import CarSimulator
import FAT32
import Foundation
import Synchronization
import Testing
@testable import Volume

/// At every flush, every file the car still references has in the archive exactly the bytes a FAT reader reads
/// from the volume: real clip sizes, six cameras, and the muxer's last write (the mdat size, seeked back into the
/// first cluster) arriving after the clip looked finished.
@Suite(.serialized) struct ClipFidelityTests {
    /// 2 GiB: 4 KiB clusters, as on every real car volume.
    static let diskBytes: UInt64 = 2 << 30
    static let cameras = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]

    /// When the muxer's header rewrite reaches the disk.
    enum HeaderArrives: Sendable, CaseIterable {
        /// With the moov, before the flush that ends the clip (the file is whole at once).
        case withTheMoov
        /// After the camera's next clip began: Linux wrote the header page back after the new entries.
        case afterTheNextClipStarted
        /// After the clip sat still so long that it was judged complete as it was (a muxer that looked dead).
        case afterTheQuietPeriod
    }

    final class Car {
        let dir = TemporaryDirectory("fidelity")
        let geometry: VolumeGeometry
        let clock = ManualClock()
        var fs: SimulatedFileSystem
        let engine: VolumeEngine
        let events = EventLog()
        let recent: UInt32

        init() throws {
            geometry = try VolumeGeometry(diskBytes: ClipFidelityTests.diskBytes, layout: .mbr)
            let regions = RegionMap(geometry: geometry)
            let metadata = try BackingFile(path: dir.path + "/metadata.img", create: true)
            try metadata.setSize(regions.metadataBytes)
            let staging = try BackingFile(path: dir.path + "/staging.img", create: true)
            try staging.setSize(regions.stagingBytes)
            engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                                  metadata: metadata, staging: staging, logger: quietLogger,
                                  archive: try ArchiveStore(root: dir.path + "/archive"),
                                  now: clock.now)
            fs = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 5)
            recent = fs.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
            engine.subscribe { [events] batch in events.append(batch) }
            apply()
            fs.flush()
            apply()
        }

        /// Hands what the simulated car wrote to the engine.
        func apply() {
            for record in fs.drainRecords() {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
        }

        func flush() {
            fs.flush()
            apply()
        }

        func archived(_ path: String) -> [UInt8]? {
            FileManager.default.contents(atPath: dir.path + "/archive/" + path).map { [UInt8]($0) }
        }

        func count(_ kind: HarvestEvent.Kind, _ path: String) -> Int {
            events.all.filter { $0.kind == kind && $0.archivePath == path }.count
        }
    }

    struct Clip {
        let id: Int
        let path: String
        let muxed: MuxedClip
    }

    /// Records `minutes` of every camera at `clipBytes` each, the muxer's header arriving as `header` says, and
    /// checks after the last flush (the engine still running) that every clip's archive file is its final bytes.
    func record(minutes: Int, clipBytes: Int, header: HeaderArrives) throws {
        let car = try Car()
        var rng = SplitMix64(seed: 11)
        var open: [Clip] = []  // clips whose header the muxer has not rewritten yet
        var all: [Clip] = []
        func rewriteHeaders() {
            for clip in open { car.fs.overwrite(clip.id, at: clip.muxed.mdatSizeOffset, with: clip.muxed.finalMdatSize) }
            open.removeAll()
        }
        for minute in 0..<minutes {
            let stamp = "2026-11-25_10-\(minute < 10 ? "0" : "")\(minute)-00"
            let clips = Self.cameras.enumerated().map { index, camera in
                let name = "\(stamp)-\(camera).mp4"
                let muxed = MuxedClip(size: clipBytes - Int(rng.next() % 65_521) * 7, seed: UInt64(minute * 10 + index + 1),
                                      creation: 1_795_600_800 + Int64(minute) * 60)
                return Clip(id: car.fs.createFile(name, in: car.recent, content: muxed.recording),
                            path: "TeslaCam/RecentClips/\(name)", muxed: muxed)
            }
            // A minute after its predecessor: the next clips' entries reach the disk, then the late headers.
            if header == .afterTheNextClipStarted {
                car.fs.writeback()
                car.apply()
                rewriteHeaders()
            }
            // Cameras write in parallel, in 512 KiB bursts; Linux writes metadata back now and then and the car
            // flushes every few rounds.
            var round = 0
            while clips.contains(where: { car.fs.size(of: $0.id) < UInt64($0.muxed.recording.count) }) {
                for clip in clips {
                    let remaining = clip.muxed.recording.count - Int(car.fs.size(of: clip.id))
                    if remaining > 0 { car.fs.append(clip.id, count: min(remaining, 512 << 10)) }
                }
                round += 1
                if round % 8 == 0 { car.flush() } else if round % 3 == 0 { car.fs.writeback(includingFAT2: false) }
                car.apply()
            }
            open = clips
            all += clips
            switch header {
            case .withTheMoov:
                rewriteHeaders()
                car.flush()
                // Whole and consistent: complete at that flush, with no successor and no quiet period.
                for clip in clips { #expect(car.count(.complete, clip.path) == 1, "\(clip.path) not complete at its flush") }
            case .afterTheQuietPeriod:
                car.flush()
                car.clock.advance(by: Harvest.unfinishedMP4QuietPeriod + .seconds(1))
                car.engine.settle()
                rewriteHeaders()
                car.flush()
            case .afterTheNextClipStarted:
                car.flush()
            }
        }
        rewriteHeaders()
        car.flush()
        car.clock.advance(by: .seconds(5))
        car.engine.settle()

        for clip in all {
            let archived = car.archived(clip.path)
            let final = clip.muxed.final
            #expect(archived?.count == final.count, "\(clip.path): archive size")
            if let archived, let at = firstDifference(archived, final) {
                Issue.record("\(clip.path): the archive differs from the volume at byte \(at) (\(archived.count) bytes)")
            }
            #expect(car.count(.complete, clip.path) >= 1, "\(clip.path) never completed")
        }
        // Only a clip judged complete before its header came (the unfinished-MP4 quiet period passed) is
        // rewritten; one whose mdat size is still 0 is not complete by its boxes and waits.
        let rewritten = car.engine.statistics.harvest.filesRewritten
        #expect(rewritten == (header == .afterTheQuietPeriod ? UInt64(all.count) : 0))
        car.engine.close()
    }

    /// A camera pausing between fsyncs longer than the quiet period (seen under TCG, and a car writes in bursts):
    /// its MP4 still has mdat size 0 and no moov, so it is not complete; it completes once the muxer finishes it.
    @Test func aGrowingMP4PausingPastTheQuietPeriodIsNotComplete() throws {
        let car = try Car()
        let muxed = MuxedClip(size: 1 << 20, seed: 4, creation: 1_795_600_800)
        let clip = car.fs.createFile("2026-11-25_10-00-00-back.mp4", in: car.recent, content: muxed.recording)
        let path = "TeslaCam/RecentClips/2026-11-25_10-00-00-back.mp4"
        car.fs.append(clip, count: 300_000)
        car.flush()
        car.clock.advance(by: .seconds(10))
        car.engine.settle()
        car.flush()
        #expect(car.count(.complete, path) == 0, "complete while the muxer was still writing")
        car.fs.append(clip, count: muxed.recording.count - 300_000)
        car.fs.overwrite(clip, at: muxed.mdatSizeOffset, with: muxed.finalMdatSize)
        car.flush()
        #expect(car.count(.complete, path) == 1 && car.count(.reopened, path) == 0 && car.count(.rewritten, path) == 0)
        #expect(car.archived(path) == muxed.final)
        car.engine.close()
    }

    /// A kill after a pass but before anyone heard of it: the restarted engine judges the clip again during
    /// recovery and hands that `complete` to whoever subscribes, at its first drain (before, recovery's events were
    /// dropped and the catalog never learned the clip was complete).
    @Test func completionsFoundDuringRecoveryReachSubscribers() throws {
        let car = try Car()
        let muxed = MuxedClip(size: 300_000, seed: 3, creation: 1_795_600_800)
        let clip = car.fs.createFile("2026-11-25_10-00-00-front.mp4", in: car.recent, content: muxed.final)
        car.fs.append(clip, count: muxed.final.count)
        car.fs.flush()
        // Written and flushed, but the engine is killed at the flush: its events reach nobody.
        car.fs.drainRecords().forEach { record in
            if case let .write(offset, data) = record { car.engine.write(data, at: offset) }
        }
        car.engine.flush()
        let path = "TeslaCam/RecentClips/2026-11-25_10-00-00-front.mp4"
        #expect(car.count(.complete, path) == 1)
        let restarted = VolumeEngine(manifest: VolumeManifest(geometry: car.geometry, volumeID: 1, formattedAt: 0),
                                     metadata: try BackingFile(path: car.dir.path + "/metadata.img", create: false),
                                     staging: try BackingFile(path: car.dir.path + "/staging.img", create: false),
                                     logger: quietLogger, archive: try ArchiveStore(root: car.dir.path + "/archive"),
                                     now: car.clock.now)
        let heard = EventLog()
        restarted.subscribe { batch in heard.append(batch) }
        restarted.settle()
        #expect(heard.all.contains { $0.kind == .complete && $0.archivePath == path })
        #expect(car.archived(path) == muxed.final)
        restarted.close()
    }

    /// The car's circular buffer deletes clips all day: the harvest lets go of their records once nothing can
    /// read through them, so its memory follows the live files, not the uptime.
    @Test func recordsOfDeletedClipsAreRetired() throws {
        let car = try Car()
        var scenario = TeslaScenario()
        scenario.minutes = 12
        scenario.keepMinutes = 1
        scenario.eventEvery = 0
        scenario.clipBytes = 64 << 10 ... 128 << 10
        let manifest = scenario.run(on: &car.fs)
        car.apply()
        let stats = car.engine.statistics.harvest
        let live = manifest.filter { $0.state == .present }.count
        #expect(stats.recordsRetired >= UInt64(manifest.count - live - scenario.cameras.count))
        #expect(stats.recordsHeld <= live + scenario.cameras.count, "records held: \(stats.recordsHeld), live files: \(live)")
        car.engine.close()
    }

    /// Real clip sizes: ~30 MB per camera-minute, two minutes of six cameras. (Before rewrites of complete files
    /// reached the archive, every clip here kept its stale mdat size.)
    @Test func headerWrittenAfterTheQuietPeriodAtRealSize() throws {
        try record(minutes: 2, clipBytes: 30 << 20, header: .afterTheQuietPeriod)
    }

    @Test(arguments: [HeaderArrives.withTheMoov, .afterTheNextClipStarted, .afterTheQuietPeriod])
    func headerWrittenLate(_ header: HeaderArrives) throws {
        try record(minutes: 3, clipBytes: 3 << 20, header: header)
    }
}

/// A clock the test moves by hand: the harvest's quiet period passes only when the test says so.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { self.instant.withLock { $0 } } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

/// The harvest's events as the engine published them.
final class EventLog: Sendable {
    private let events = Mutex<[HarvestEvent]>([])
    func append(_ batch: [HarvestEvent]) { events.withLock { $0 += batch } }
    var all: [HarvestEvent] { events.withLock { $0 } }
}
