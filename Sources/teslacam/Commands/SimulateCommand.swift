import ArgumentParser
import BlockTrace
import CarSimulator
import Crypto
import FAT32
import Foundation
import Volume

/// `teslacam simulate`: the Tesla-pattern car as a trace (fixtures) or as live writes into `volume.img` (the demo).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Drive a volume like a Tesla: cameras recording in parallel, circular deletes, saved and sentry events.",
        discussion: """
            With --trace, writes a block trace of a freshly formatted volume (and --manifest, the files it leaves).
            With --device, writes into an existing volume (e.g. MOUNTPOINT/volume.img of a freshly formatted `run`),
            paced like a car unless --speed 0.
            """)

    @Option(help: "Block trace to write.") var trace: String?
    @Option(help: "Manifest to write with --trace: state, path, size, sha256 per line.") var manifest: String?
    @Option(help: "Volume file to write into (the FUSE volume.img), instead of a trace.") var device: String?
    @Option(help: "Volume size for --trace.") var size: String = "2G"
    @Option(help: "mbr or superfloppy (for --trace).") var layout: PartitionLayout = .mbr
    @Option(help: "Simulated minutes.") var minutes: Int = 5
    @Option(help: "Comma-separated camera names.") var cameras: String = "front,back,left_repeater,right_repeater"
    @Option(help: "Smallest and largest clip, e.g. 256K-768K.") var clip: String = "256K-768K"
    @Option(help: "Range of one camera's write burst, e.g. 16K-128K.") var chunk: String = "16K-128K"
    @Option(help: "Minutes of RecentClips the car keeps.") var keep: Int = 3
    @Option(help: "Save an event every N minutes (0: never).") var eventEvery: Int = 3
    @Option(help: "Seed of names, sizes and content.") var seed: UInt64 = 1
    @Option(help: "With --device: simulated seconds per real second (0: as fast as possible).") var speed: Double = 0

    func validate() throws {
        guard (trace == nil) != (device == nil) else { throw ValidationError("give either --trace or --device") }
        guard minutes > 0, keep > 0 else { throw ValidationError("--minutes and --keep must be positive") }
    }

    func run() throws {
        var scenario = TeslaScenario()
        scenario.minutes = minutes
        scenario.cameras = cameras.split(separator: ",").map(String.init)
        scenario.keepMinutes = keep
        scenario.eventEvery = eventEvery
        scenario.seed = seed
        let bounds = clip.split(separator: "-").compactMap { ByteSize(parsing: String($0))?.bytes }
        guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else {
            throw ValidationError("--clip must look like 256K-768K")
        }
        scenario.clipBytes = Int(bounds[0])...Int(bounds[1])
        let chunks = chunk.split(separator: "-").compactMap { ByteSize(parsing: String($0))?.bytes }
        guard chunks.count == 2, chunks[0] > 0, chunks[0] <= chunks[1] else {
            throw ValidationError("--chunk must look like 16K-128K")
        }
        scenario.chunkBytes = Int(chunks[0])...Int(chunks[1])

        if let trace {
            try writeTrace(scenario, to: trace)
        } else if let device {
            try drive(scenario, device: device)
        }
    }

    private func writeTrace(_ scenario: TeslaScenario, to path: String) throws {
        guard let diskBytes = ByteSize(parsing: size)?.bytes else { throw ValidationError("'\(size)' is not a size") }
        let geometry = try VolumeGeometry(diskBytes: diskBytes, layout: layout)
        let header = TraceHeader(diskBytes: geometry.diskBytes, layout: layout == .mbr ? 0 : 1,
                                 volumeID: UInt32(truncatingIfNeeded: seed &* 2_654_435_761) | 1,
                                 formattedAt: scenario.start - 3600)
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: header.volumeID, formattedAt: header.formattedAt,
                                     seed: seed)
        let entries = scenario.run(on: &fs)
        var out = TraceFormat.encode(header)
        for record in fs.drainRecords() { TraceFormat.encode(record, into: &out) }
        try Data(out).write(to: URL(fileURLWithPath: path))
        print("\(path): \(out.count) bytes")
        if let manifest {
            let lines = entries.map { entry in
                "\(entry.state.rawValue)\t\(entry.path)\t\(entry.size)\t\(Self.sha256(of: entry))\n"
            }
            try Data(lines.joined().utf8).write(to: URL(fileURLWithPath: manifest))
            print("\(manifest): \(entries.count) files")
        }
    }

    static func sha256(of entry: TeslaScenario.Entry) -> String {
        var hasher = SHA256()
        switch entry.content {
        case let .bytes(bytes):
            hasher.update(data: bytes)
        case let .pattern(seed):
            var done: UInt64 = 0
            while done < entry.size {
                let n = Int(min(1 << 20, entry.size - done))
                hasher.update(data: PatternBlock.fileBytes(seed: seed, offset: done, count: n))
                done += UInt64(n)
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Replays the scenario's writes into a live volume file, fsyncing where the car would flush.
    private func drive(_ scenario: TeslaScenario, device: String) throws {
        let fd = open(device, O_RDWR)
        guard fd >= 0 else { throw ValidationError("cannot open \(device): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        let geometry = try VolumeGeometry(diskBytes: UInt64(info.st_size), layout: try Self.layout(of: fd))
        var fs = SimulatedFileSystem(geometry: geometry, volumeID: 0, formattedAt: scenario.start - 3600, seed: seed)
        _ = fs.drainRecords()  // the volume is already formatted: skip the format's writes
        let entries = scenario.run(on: &fs)
        let started = Date()
        var written: UInt64 = 0, flushes = 0
        let perMinute = max(1, fs.records.count / minutes)
        for (i, record) in fs.drainRecords().enumerated() {
            switch record {
            case let .write(offset, data):
                let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
                guard n == data.count else { throw ValidationError("write at \(offset) failed: \(String(cString: strerror(errno)))") }
                written += UInt64(n)
            case .flush:
                fsync(fd)
                flushes += 1
            case .read:
                break
            }
            if speed > 0 {
                // One simulated minute per `perMinute` records.
                let due = Double(i) / Double(perMinute) * 60 / speed
                let ahead = due - Date().timeIntervalSince(started)
                if ahead > 0 { usleep(UInt32(ahead * 1_000_000)) }
            }
        }
        fsync(fd)
        print("wrote \(written) bytes, \(flushes) flushes; \(entries.filter { $0.state == .present }.count) files on the volume, \(entries.filter { $0.state == .deleted }.count) deleted by the car")
    }

    /// MBR when sector 0 carries a partition table with a FAT32 LBA partition.
    private static func layout(of fd: Int32) throws -> PartitionLayout {
        var sector = [UInt8](repeating: 0, count: 512)
        _ = sector.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 512, 0) }
        return sector[510] == 0x55 && sector[511] == 0xAA && sector[450] == 0x0C ? .mbr : .superfloppy
    }
}
