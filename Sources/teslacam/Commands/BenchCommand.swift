import ArgumentParser
import Foundation
import Outbound
import Volume

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure TeslaCam against a plain-file baseline in the same run.",
        subcommands: [VolumeBenchCommand.self, HarvestBenchCommand.self, TelemetryBenchCommand.self, SoakBenchCommand.self,
                       UploadBenchCommand.self, RecordingUploadBenchCommand.self, CPUBenchCommand.self,
                       StallBenchCommand.self])
}

struct RecordingUploadBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload-recording",
        abstract: "The car's write throughput and latency with and without a sink uploading meanwhile, and event latency.",
        discussion: """
            Replays one Tesla-pattern session (an event each minute) through the engine, its catalog and settler twice \
            in the same run: the uploader idle, then a sink (a folder on the same disk, or moto's S3 on loopback) \
            uploading what the car completes while it records. Latency percentiles are of single engine.write and \
            engine.flush calls, as the car's USB requests meet them.
            """)

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-upload-recording"
    @Option(help: "The test peers (the repository's scripts/peers).") var peers: String =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/peers").path
    @Option(help: "Advertised volume size.") var size: String = "30G"
    @Option(help: "Simulated minutes.") var minutes: Int = 4
    @Option(help: "Comma-separated cameras.") var cameras: String = "front,back,left_repeater,right_repeater,left_pillar,right_pillar"
    @Option(help: "Clip size range.") var clip: String = "6M-9M"
    @Option(help: "Chunk size range per camera write.") var chunk: String = "256K-1M"
    @Option(name: .customLong("car-rate"), help: "Bytes per second the car writes (e.g. 8M); 0: as fast as the engine takes them.")
    var carRate: String = "0"
    @Option(help: "folder or s3.") var sink: String = "folder"
    @Option(name: .customLong("while-recording"), help: "full, throttle or pause (the config's upload.whileRecording).")
    var whileRecording: String = "full"
    @Option(help: "Overall upload bandwidth limit (e.g. 4M); none when not given.") var bandwidth: String?
    @Option(help: "The engine's write cache (as run --cache).") var cache: String = "16M"

    func run() throws {
        guard let rate = ByteSize(parsing: carRate) else { throw ValidationError("'\(carRate)' is not a rate like 8M") }
        guard let rule = WhileRecording(rawValue: whileRecording) else {
            throw ValidationError("--while-recording takes full, throttle or pause, not '\(whileRecording)'")
        }
        let limit = try bandwidth.map { text throws -> Double in
            guard let value = ByteSize(parsing: text), value.bytes > 0 else { throw ValidationError("'\(text)' is not a rate like 4M") }
            return Double(value.bytes)
        }
        guard let cacheSize = ByteSize(parsing: cache) else { throw ValidationError("'\(cache)' is not a size like 16M") }
        try RecordingUploadBenchmark(directory: dir, peers: peers, size: size, minutes: minutes,
                                     cameras: cameras.split(separator: ",").map(String.init), clip: clip, chunk: chunk,
                                     carRate: rate.bytes > 0 ? Double(rate.bytes) : nil, sinkType: sink, whileRecording: rule,
                                     bandwidth: limit, cacheBytes: Int(cacheSize.bytes)).run()
    }
}

struct UploadBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Each sink type on loopback vs a reference client moving the same files, and a bandwidth limit's accuracy.")

    @Option(help: "Scratch directory (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-upload"
    @Option(help: "The test peers (the repository's scripts/peers).") var peers: String =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/peers").path
    @Option(help: "Files per sink type.") var files: Int = 6
    @Option(help: "Size of each file.") var size: String = "24M"
    @Option(help: "Bandwidth limit to check (bytes per second).") var limit: String = "16M"
    @Option(help: "Comma-separated sink types.") var types: String = "folder,rsync,s3,webdav,dropbox"

    func run() throws {
        guard let bytes = ByteSize(parsing: size), bytes.bytes > 0 else { throw ValidationError("'\(size)' is not a size like 24M") }
        guard let rate = ByteSize(parsing: limit), rate.bytes > 0 else { throw ValidationError("'\(limit)' is not a rate like 16M") }
        try UploadBenchmark(directory: dir, peers: peers, files: files, fileBytes: Int(bytes.bytes), limit: Double(rate.bytes),
                            types: types.split(separator: ",").map(String.init)).run()
    }
}

struct VolumeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Throughput of volume.img (a real `teslacam run` over FUSE) vs a plain file on the same disk.")

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench"
    @Option(help: "Advertised volume size.") var size: String = "128G"
    @Option(name: .customLong("sequential-mib"), help: "MiB per sequential pass.") var sequentialMiB: Int = 512
    @Option(help: "Operations per random pass.") var randomOps: Int = 4000
    @Option(help: "Runs of each pass; the median is reported.") var repeats: Int = 3
    @Option(help: "The daemon's write cache (run --cache); its default when not given.") var cache: String?

    func run() throws {
        try VolumeBenchmark(directory: dir, size: size, sequentialMiB: sequentialMiB, randomOps: randomOps, repeats: repeats,
                            cache: cache).run()
    }
}

struct HarvestBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest",
        abstract: "Replay a Tesla-pattern session into the harvesting engine vs the same writes to a plain file.")

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-harvest"
    @Option(help: "Advertised volume size.") var size: String = "30G"
    @Option(help: "Simulated minutes.") var minutes: Int = 6
    @Option(help: "Comma-separated cameras.") var cameras: String = "front,back,left_repeater,right_repeater,left_pillar,right_pillar"
    @Option(help: "Clip size range.") var clip: String = "6M-9M"
    @Option(help: "Chunk size range per camera write.") var chunk: String = "256K-1M"
    @Option(help: "Rounds; throughput is the median.") var repeats: Int = 3
    @Option(help: "The engine's write cache (as run --cache).") var cache: String = "16M"

    func run() throws {
        func range(_ text: String) throws -> ClosedRange<Int> {
            let bounds = text.split(separator: "-").compactMap { ByteSize(parsing: String($0))?.bytes }
            guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else { throw ValidationError("'\(text)' is not a range like 6M-9M") }
            return Int(bounds[0])...Int(bounds[1])
        }
        guard let cacheSize = ByteSize(parsing: cache) else { throw ValidationError("'\(cache)' is not a size like 32M") }
        try HarvestBenchmark(directory: dir, size: size, minutes: minutes,
                             cameras: cameras.split(separator: ",").map(String.init),
                             clipBytes: try range(clip), chunkBytes: try range(chunk), repeats: repeats,
                             cacheBytes: Int(cacheSize.bytes)).run()
    }
}

struct TelemetryBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "SEI telemetry extraction (MB/s, CPU per clip-minute) vs ffprobe's own passes over the same clips.")

    @Option(help: "A directory searched for .mp4 clips.") var clips: String = "fixtures/clips"
    @Option(help: "Rounds; the median is reported.") var repeats: Int = 9
    @Option(help: "The ffprobe to compare with.") var ffprobe: String = "/usr/bin/ffprobe"

    func run() throws {
        guard FileManager.default.isExecutableFile(atPath: ffprobe) else {
            throw ValidationError("\(ffprobe) not found: apt-get install ffmpeg, or pass --ffprobe")
        }
        let found = FileManager.default.enumerator(atPath: clips)?.compactMap { $0 as? String }
            .filter { $0.lowercased().hasSuffix(".mp4") }.sorted().map { clips + "/" + $0 } ?? []
        try TelemetryBenchmark(clips: found, repeats: repeats, ffprobe: ffprobe).run()
    }
}

struct SoakBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Replay simulated days of driving and parking through the engine, catalog and retention; print each hour.",
        discussion: """
            Six cameras with small clips, the car's circular deletes, saved and Sentry events, retention every \
            simulated minute on a simulated disk of volume + minFree + --room bytes, so evictions happen. No FUSE \
            and no sleeping: the clock is simulated. Prints, per simulated hour, this process's RSS, the records the \
            harvest holds, catalog rows and size, archive bytes and evictions.
            """)

    @Option(help: "Scratch directory (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-soak"
    @Option(help: "Simulated hours (a day's schedule repeats every 24).") var hours: Int = 24
    @Option(help: "Advertised volume size.") var size: String = "30G"
    @Option(help: "Room on the simulated archive disk for clips the car deleted, beyond retention's reserve.") var room: String = "64M"
    @Option(help: "Smallest and largest clip, e.g. 96K-192K.") var clip: String = "96K-192K"
    @Option(help: "The engine's write cache (as run --cache).") var cache: String = "16M"
    @Option(help: "Seed of the car's day.") var seed: UInt64 = 7

    func validate() throws {
        guard hours > 0 else { throw ValidationError("--hours must be positive") }
    }

    func run() throws {
        guard let roomSize = ByteSize(parsing: room) else { throw ValidationError("'\(room)' is not a size like 64M") }
        guard let cacheSize = ByteSize(parsing: cache) else { throw ValidationError("'\(cache)' is not a size like 16M") }
        let bounds = clip.split(separator: "-").compactMap { ByteSize(parsing: String($0))?.bytes }
        guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else { throw ValidationError("--clip must look like 96K-192K") }
        var bench = SoakBenchmark(directory: dir)
        bench.size = size
        bench.hours = hours
        bench.room = roomSize.bytes
        bench.cacheBytes = Int(cacheSize.bytes)
        bench.seed = seed
        bench.car = { $0.clipBytes = Int(bounds[0])...Int(bounds[1]) }
        print("teslacam bench soak: \(hours) h, \(size) volume, clips \(clip), cache \(cache); retention: standard policy, "
              + "simulated archive disk = volume + minFree + \(room); dir \(dir)")
        print(SoakHour.line(SoakHour.header))
        let outcome = try bench.run { print(SoakHour.line($0.cells)) }
        print(SoakSummary(outcome: outcome).text)
    }
}

struct CPUBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu",
        abstract: "CPU seconds per GiB of the gadget's write pattern: volume.img vs a plain file vs bindfs, one run.")

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-cpu"
    @Option(help: "Advertised volume size.") var size: String = "30G"
    @Option(help: "Simulated minutes of six cameras.") var minutes: Int = 3
    @Option(help: "The generic FUSE passthrough to compare with.") var bindfs: String = "/usr/bin/bindfs"

    func run() throws {
        try CPUBenchmark(directory: dir, size: size, minutes: minutes, bindfs: bindfs).run()
    }
}
