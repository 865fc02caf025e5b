import BlockTrace
import CarSimulator
import Catalog
import FAT32
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import Volume
@testable import Web
import MP4

/// A clip the car is still recording, served by catalog id through the engine's view of the car's tree: up to the
/// bytes written so far, including those the car wrote after the catalog last heard of the clip.
@Suite("Growing clip") struct GrowingClipTests {
    @Test func aGrowingClipIsServedUpToTheBytesWrittenSoFar() async throws {
        let directory = NSTemporaryDirectory() + "teslacam-web-growing-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let archive = directory + "/archive", state = directory + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var logger = Logger(label: "growing")
        logger.logLevel = .critical
        let geometry = try VolumeGeometry(diskBytes: 256 << 20, layout: .mbr)
        let regions = RegionMap(geometry: geometry)
        let metadata = try BackingFile(path: state + "/metadata.img", create: true)
        try metadata.setSize(regions.metadataBytes)
        let staging = try BackingFile(path: state + "/staging.img", create: true)
        try staging.setSize(regions.stagingBytes)
        var car = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 9)
        let recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        car.flush()
        let engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                                  metadata: metadata, staging: staging, logger: logger,
                                  archive: try ArchiveStore(root: archive))
        defer { engine.close() }
        let catalog = try ClipCatalog(path: state + "/catalog.sqlite", archiveRoot: archive, logger: logger)
        engine.subscribe { catalog.apply($0) }
        func play(_ records: [TraceRecord]) {
            for record in records {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
        }
        play(car.drainRecords())

        // The clip's bytes: not an MP4 (no ftyp), so it stays growing until its size holds still.
        var generator = SplitMix64(seed: 77)
        let content = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let clip = car.createFile("2026-11-20_09-00-00-front.mp4", in: recent, content: content)
        car.append(clip, count: 100_000)
        car.flush()
        play(car.drainRecords())
        let row = try #require(try catalog.clips().first { $0.path.hasSuffix("09-00-00-front.mp4") })
        #expect(row.state == .growing)
        #expect(row.size == 100_000)

        // More of the clip, its entry written back, no flush yet: the catalog still says 100,000 bytes.
        car.append(clip, count: 150_000)
        car.writeback()
        play(car.drainRecords())

        try PasswordHash(password: WebFixture.password, rounds: 1000).save(state: state)
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: state, catalog: catalog,
                               clips: LiveClipStore(engine: engine, archive: ArchiveClipStore(root: archive)),
                               engine: engine, logger: logger)
        try await server.application().test(.router) { client in
            let browser = try await Browser.login(client)
            let whole = try await client.execute(uri: "/api/clips/\(row.id!)", method: .get, headers: browser.headers)
            #expect(whole.status == .ok)
            #expect(whole.headers[.cacheControl] == "no-store")
            #expect(Array(Data(buffer: whole.body)) == Array(content[0..<250_000]))
            var headers = browser.headers
            headers[.range] = "bytes=240000-"
            let tail = try await client.execute(uri: "/api/clips/\(row.id!)", method: .get, headers: headers)
            #expect(tail.status == .partialContent)
            #expect(tail.headers[.contentRange] == "bytes 240000-249999/250000")
            #expect(Array(Data(buffer: tail.body)) == Array(content[240_000..<250_000]))
            // The Now figures show the size the car's entry has this moment.
            let now = try json(try await client.execute(uri: "/api/now", method: .get, headers: browser.headers)) as! [String: Any]
            let growing = now["growing"] as! [[String: Any]]
            #expect(growing.map { $0["size"] as! Int } == [250_000])
        }
    }

    /// A real clip (the fixture's second front minute) growing on the car's volume, its mdat size still 0: its
    /// live view plays the frames written so far (ffprobe counts them), grows as the car writes, and an older
    /// view a player is still reading stays the same bytes.
    @Test func aGrowingMP4PlaysToItsLastFrameAndGrows() async throws {
        let directory = NSTemporaryDirectory() + "teslacam-web-live-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let archive = directory + "/archive", state = directory + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var logger = Logger(label: "growing")
        logger.logLevel = .critical
        let geometry = try VolumeGeometry(diskBytes: 256 << 20, layout: .mbr)
        let regions = RegionMap(geometry: geometry)
        let metadata = try BackingFile(path: state + "/metadata.img", create: true)
        try metadata.setSize(regions.metadataBytes)
        let staging = try BackingFile(path: state + "/staging.img", create: true)
        try staging.setSize(regions.stagingBytes)
        var car = SimulatedFileSystem(geometry: geometry, volumeID: 1, formattedAt: 0, seed: 9)
        let recent = car.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        car.flush()
        let engine = VolumeEngine(manifest: VolumeManifest(geometry: geometry, volumeID: 1, formattedAt: 0),
                                  metadata: metadata, staging: staging, logger: logger,
                                  archive: try ArchiveStore(root: archive))
        defer { engine.close() }
        let catalog = try ClipCatalog(path: state + "/catalog.sqlite", archiveRoot: archive, logger: logger)
        engine.subscribe { catalog.apply($0) }
        func play(_ records: [TraceRecord]) {
            for record in records {
                switch record {
                case let .write(offset, data): engine.write(data, at: offset)
                case .flush: engine.flush()
                case .read: break
                }
            }
        }
        let fixtures = WebFixture.repository.path + "/fixtures/clips/TeslaCam/RecentClips/"
        let reference = Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "2026-11-20_08-00-00-front.mp4")))
        var recording = Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "2026-11-20_08-01-00-front.mp4")))
        recording.replaceSubrange(40..<44, with: [0, 0, 0, 0])  // the muxer's mdat size while recording
        let growing = recording
        _ = car.createFile("2026-11-20_08-00-00-front.mp4", in: recent, bytes: reference)
        let clip = car.createFile("2026-11-20_08-01-00-front.mp4", in: recent, content: growing)
        car.append(clip, count: growing.count / 3)
        car.flush()
        play(car.drainRecords())
        let row = try #require(try catalog.clips().first { $0.path.hasSuffix("08-01-00-front.mp4") })
        #expect(row.state == .growing)

        let writer = CarWriter(car: car, clip: clip, play: play)
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: state, catalog: catalog,
                               clips: LiveClipStore(engine: engine, archive: ArchiveClipStore(root: archive)),
                               engine: engine, logger: logger)
        try PasswordHash(password: WebFixture.password, rounds: 1000).save(state: state)
        try await server.application().test(.router) { client in
            let browser = try await Browser.login(client)
            func facts() async throws -> [String: Any] {
                try json(try await client.execute(uri: "/api/clips/\(row.id!)/live", method: .get, headers: browser.headers)) as! [String: Any]
            }
            func view(_ upto: Int) async throws -> [UInt8] {
                let response = try await client.execute(uri: "/api/clips/\(row.id!)?play=1&upto=\(upto)", method: .get, headers: browser.headers)
                #expect(response.status == .ok)
                return Array(Data(buffer: response.body))
            }
            let first = try await facts()
            #expect(first["growing"] as? Bool == true)
            let upto = try #require(first["upto"] as? Int)
            #expect(upto == growing.count / 3)
            let early = try await view(upto)
            let boxes = MP4.scanBoxes(fileSize: UInt64(early.count), read: LiveMovieTests.reader(early)).boxes.map(\.type.description)
            #expect(boxes == ["ftyp", "free", "moov", "mdat"])
            #expect((first["frames"] as? Int ?? 0) > 50)
            try requireFFprobe()
            #expect(try ffprobeFrames(early) == first["frames"] as? Int)
            // Its telemetry so far, from the same view (the catalog reads a clip's once it is complete).
            func telemetry() async throws -> [String: Any] {
                try json(try await client.execute(uri: "/api/clips/\(row.id!)/telemetry", method: .get, headers: browser.headers)) as! [String: Any]
            }
            let soFar = try await telemetry()
            #expect(soFar["live"] as? Bool == true)
            #expect(soFar["upto"] as? Int == upto)
            #expect((soFar["frames"] as? Int ?? 0) > 50 && (soFar["track"] as? [Any])?.isEmpty == false)
            // The "now recording" segment names it.
            let live = try json(try await client.execute(uri: "/api/live", method: .get, headers: browser.headers)) as! [String: Any]
            let cameras = ((live["segments"] as! [[String: Any]]).first?["cameras"] as? [[String: Any]]) ?? []
            #expect(cameras.map { $0["id"] as! Int } == [Int(row.id!)])
            #expect((live["segments"] as! [[String: Any]]).first?["telemetry"] as? Int == Int(row.id!))

            // The car writes on; the entry's size reaches the disk at writeback.
            writer.more(growing.count / 3)
            try await Task.sleep(for: .milliseconds(1100))  // one re-plan a second per clip
            let second = try await facts()
            let later = try #require(second["upto"] as? Int)
            #expect(later == 2 * (growing.count / 3))
            #expect((second["duration"] as! Double) > (first["duration"] as! Double) + 5)
            let longer = try await view(later)
            #expect(try ffprobeFrames(longer) == second["frames"] as? Int)
            let more = try await telemetry()
            #expect((more["frames"] as? Int ?? 0) > (soFar["frames"] as? Int ?? 0))
            // The first view is still the same file for a player part way through it.
            #expect(try await view(upto) == early)
            // A view past the bytes written is refused in words.
            let past = try await client.execute(uri: "/api/clips/\(row.id!)?play=1&upto=\(growing.count * 2)", method: .get, headers: browser.headers)
            #expect(past.status == .rangeNotSatisfiable)
            let bad = try await client.execute(uri: "/api/clips/\(row.id!)?play=1&upto=-1", method: .get, headers: browser.headers)
            #expect(bad.status == .badRequest)
        }
    }

    func ffprobeFrames(_ file: [UInt8]) throws -> Int {
        let path = NSTemporaryDirectory() + "teslacam-live-\(UUID().uuidString).mp4"
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                               "stream=nb_read_frames", "-of", "default=nw=1:nk=1", path])
        return Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

/// The car's further writes from inside the test client's (concurrent) closure; used by one task at a time.
final class CarWriter: @unchecked Sendable {
    var car: SimulatedFileSystem
    let clip: SimulatedFileSystem.FileID
    let play: ([TraceRecord]) -> Void

    init(car: SimulatedFileSystem, clip: SimulatedFileSystem.FileID, play: @escaping ([TraceRecord]) -> Void) {
        self.car = car
        self.clip = clip
        self.play = play
    }

    func more(_ count: Int) {
        car.append(clip, count: count)
        car.writeback()
        play(car.drainRecords())
    }
}
