import Foundation
import Testing

/// The `teslacam` board binary next to this test bundle.
let teslacamBinary: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("teslacam").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return FileManager.default.currentDirectoryPath + "/.build/debug/teslacam"
}()

/// The whole way from the car's USB drive: files written into the FUSE-served volume.img of a real `teslacam run`
/// (mtools writing the FAT as the car would) are harvested, routed to a `fleet` sink, and end up in the ingest
/// service's bucket and catalog, byte for byte.
@Suite(.serialized, .enabled(if: FleetRig.available && getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/fuse")
                             && FileManager.default.isExecutableFile(atPath: teslacamBinary) && FileManager.default.isExecutableFile(atPath: "/usr/bin/mcopy"),
                             "needs root, /dev/fuse, mtools, the built teslacam and what the fleet rig needs"))
struct FleetMountTests {
    @Test func clipsTheCarWritesIntoTheMountedVolumeReachTheFleetBucketAndCatalog() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let board = fleet.scratch.path + "/board"
        let (state, archive, mountpoint) = (board + "/state", board + "/archive", board + "/mnt")
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let config = board + "/teslacam.json"
        try """
            { "sinks": { "fleet": { "type": "fleet", "url": "\(fleet.url(port))", "certFile": "\(fleet.listed.cert)",
                                    "keyFile": "\(fleet.listed.key)", "caFile": "\(fleet.caFile)" } },
              "routes": { "sentry": ["fleet"], "recent": ["fleet"] },
              "upload": { "whileRecording": "full", "retryInitial": 0.2, "retryMaximum": 1 } }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let formatted = try run(teslacamBinary, ["format", "--state", state, "--size", "2G", "--layout", "mbr"])
        #expect(formatted.status == 0, "\(formatted.output)")
        let daemon = try Peer(teslacamBinary, ["run", "--state", state, "--archive", archive, "--mountpoint", mountpoint, "--config", config],
                              log: board + "/daemon.log")
        defer {
            daemon.kill(SIGTERM)
            _ = try? run("/bin/umount", ["-l", mountpoint])
        }
        try waitFor("teslacam run ready", attempts: 1200) { daemon.output.contains(" ready") || !daemon.process.isRunning }
        try #require(daemon.process.isRunning, "\(daemon.output)")

        let image = mountpoint + "/volume.img"
        let event = "TeslaCam/SentryClips/2026-12-01_12-00-00"
        func mtools(_ tool: String, _ arguments: [String]) throws {
            let result = try run("/usr/bin/env", ["MTOOLS_SKIP_CHECK=1", "/usr/bin/\(tool)", "-i", image + "@@1M"] + arguments)
            #expect(result.status == 0, "\(tool) \(arguments): \(result.output)")
        }
        // `teslacam format` made TeslaCam/ already, as the car expects it.
        try mtools("mmd", ["::TeslaCam/RecentClips", "::TeslaCam/SentryClips", "::" + event])
        var written: [String: String] = [:]  // archive path → sha256
        func put(_ name: String, size: Int, into folder: String) throws {
            let clip = try fleet.file(name, size: size)
            try mtools("mcopy", ["-o", clip.path, "::\(folder)/"])
            written["\(folder)/\(name)"] = clip.sha256
        }
        try """
            {"timestamp":"2026-12-01T12:00:00","city":"Trondheim","reason":"sentry_aware_object_detection","camera":"0"}
            """.write(toFile: fleet.scratch.path + "/event.json", atomically: true, encoding: .utf8)
        try mtools("mcopy", ["-o", fleet.scratch.path + "/event.json", "::\(event)/"])
        written["\(event)/event.json"] = String(try run("/usr/bin/sha256sum", [fleet.scratch.path + "/event.json"]).output.prefix(64))
        try put("2026-12-01_11-59-00-front.mp4", size: 9 << 20 + 1234, into: event)
        try put("2026-12-01_11-59-00-back.mp4", size: 3 << 20 + 17, into: event)
        try put("2026-12-01_11-00-00-front.mp4", size: 6 << 20 + 5, into: "TeslaCam/RecentClips")

        // Delivered when every file is in the bucket and catalogued (a liveness bound, not a time assertion).
        func catalogued() -> Int { Int((try? fleet.postgres.query("SELECT count(*) FROM clips"))?.first ?? "") ?? 0 }
        try waitFor("the board's files catalogued by the ingest service", attempts: 3000) { catalogued() >= written.count || !daemon.process.isRunning }
        #expect(catalogued() == written.count, "\(daemon.output.suffix(3000))")
        for (path, sha256) in written {
            #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == sha256, "\(path)")
            #expect(try fleet.postgres.query("SELECT sha256 FROM clips WHERE path = '\(path)'") == [sha256], "\(path)")
        }
        #expect(try fleet.postgres.query("SELECT kind FROM clips WHERE path LIKE 'TeslaCam/RecentClips/%'") == ["recent"])
        #expect(try fleet.postgres.query("SELECT fields->>'event.city' FROM events WHERE folder = '\(event)'") == ["Trondheim"])
        let status = try run(teslacamBinary, ["sinks", "--state", state, "--config", config])
        #expect(status.output.contains("queued: 0"), "\(status.output)")
    }
}
