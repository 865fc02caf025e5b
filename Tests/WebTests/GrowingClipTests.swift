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
}
