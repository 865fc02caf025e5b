import Foundation
import MP4
import Testing

/// Hostile clips built box by box (a moov pointing a million samples at one SEI, tables claiming four billion
/// samples, millions of tiny frames, a million 8-byte boxes) never make `teslacam telemetry` or `teslacam repair`
/// allocate in proportion to what the file claims: the peak resident memory of the command, measured by the
/// kernel (`wait4`'s `ru_maxrss`), grows over the same command on a real clip by at most the file's size twice
/// over (what is kept is capped by the file's size, and the moov is read once as part of it) plus a few MiB of
/// slack. Without the caps each of these files costs hundreds of MiB.
@Suite(.serialized) struct HostileMemoryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let front = repository.appendingPathComponent("fixtures/clips/TeslaCam/RecentClips/2026-11-20_08-00-00-front.mp4").path
    static let executable = FileManager.default.currentDirectoryPath + "/.build/debug/teslacam"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }
    /// Page-in of code and libraries differs a little between runs and paths.
    static let slack = 8 << 20

    /// Runs `teslacam` with `arguments` (output discarded) and returns its exit status and peak resident bytes.
    ///
    /// Measured from a small Python parent: a child started straight from this (large) test process would count
    /// this process's resident memory too, since `posix_spawn` shares it until the exec.
    static func peakMemory(_ arguments: [String]) throws -> (status: Int32, bytes: Int) {
        let measure = """
            import resource, subprocess, sys
            done = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", measure, executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard process.terminationStatus == 0, fields.count == 2 else {
            throw HostileFileError("python3 could not measure \(arguments): \(output)")
        }
        return (Int32(fields[0]), fields[1] * 1024)  // Linux reports kilobytes; a signal gives a negative status
    }

    static func write(_ bytes: [UInt8], _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "hostile-memory-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Checks one hostile file: the command's peak over the real clip's stays within twice the file plus slack.
    static func expectBounded(_ arguments: [String], file: String, baseline: Int, _ what: String) throws {
        let size = Int(try FileManager.default.attributesOfItem(atPath: file)[.size] as! UInt64)
        let run = try peakMemory(arguments)
        let growth = run.bytes - baseline
        print("hostile memory: \(what): file \(size >> 10) KiB, peak \(run.bytes >> 10) KiB, "
            + "\(growth >> 10) KiB over the real clip's, exit \(run.status)")
        #expect(run.status >= 0, "\(what): the command died (signal \(-run.status))")
        #expect(growth <= 2 * size + slack, "\(what): \(growth) bytes more than for a real clip, for a \(size)-byte file")
    }

    @Test(.enabled(if: isAvailable, "build the teslacam product first (swift build --product teslacam)"))
    func telemetryOfHostileClipsStaysWithinTheFileSize() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clip = try HostileFile(fixture: Self.front)
        let baseline = try Self.peakMemory(["telemetry", Self.front]).bytes

        let oneSEI = try Self.write(clip.everySampleAtTheFirst(count: 1_000_000), "one-sei.mp4", in: directory)
        try Self.expectBounded(["telemetry", oneSEI], file: oneSEI, baseline: baseline,
                               "a million samples pointing at one SEI")
        let claims = try Self.write(clip.claimingBillions(), "claims.mp4", in: directory)
        try Self.expectBounded(["telemetry", claims], file: claims, baseline: baseline,
                               "tables claiming 4 billion samples")
        let boxes = try Self.write(clip.tinyBoxes(count: 500_000), "boxes.mp4", in: directory)
        try Self.expectBounded(["telemetry", boxes], file: boxes, baseline: baseline, "500 000 eight-byte boxes")
    }

    @Test(.enabled(if: isAvailable, "build the teslacam product first (swift build --product teslacam)"))
    func repairOfHostileClipsStaysWithinTheFileSize() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clip = try HostileFile(fixture: Self.front)
        // The real thing: the fixture cut mid-minute, repaired from itself.
        let cut = try Self.write(Array(clip.bytes.prefix(clip.bytes.count / 2)), "cut.mp4", in: directory)
        let baseline = try Self.peakMemory(["repair", cut, "--reference", Self.front, "--output", directory + "/0.mp4"])
        #expect(baseline.status == 0)

        let tiny = try Self.write(clip.tinyFrames(count: 1_000_000), "tiny.mp4", in: directory)
        try Self.expectBounded(["repair", tiny, "--reference", Self.front, "--output", directory + "/1.mp4"],
                               file: tiny, baseline: baseline.bytes, "a million 6-byte frames")
        let claims = try Self.write(clip.claimingBillions(), "claims.mp4", in: directory)
        try Self.expectBounded(["repair", cut, "--reference", claims, "--output", directory + "/2.mp4"],
                               file: claims, baseline: baseline.bytes, "a reference claiming 4 billion samples")
    }
}

struct HostileFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Hostile variants of a real clip, built from its own boxes.
struct HostileFile {
    let bytes: [UInt8]

    init(fixture path: String) throws {
        bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The whole box at `path` (e.g. `["moov", "trak", "mdia", "mdhd"]`), header included.
    func box(_ path: [String], in range: Range<Int>? = nil) -> Range<Int>? {
        var at = (range ?? 0..<bytes.count).lowerBound
        let end = (range ?? 0..<bytes.count).upperBound
        while at + 8 <= end {
            let size = Int(u32(at))
            guard size >= 8, at + size <= end else { return nil }
            if String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self) == path[0] {
                return path.count == 1 ? at..<(at + size) : box(Array(path.dropFirst()), in: (at + 8)..<(at + size))
            }
            at += size
        }
        return nil
    }

    func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    func whole(_ path: [String]) -> [UInt8] { box(path).map { Array(bytes[$0]) } ?? [] }

    static func be(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be(UInt64(payload.count + 8), 4) + Array(type.utf8) + payload }
    static func fullBox(_ type: String, _ fields: [UInt8]) -> [UInt8] { box(type, [0, 0, 0, 0] + fields) }

    /// ftyp, an mdat holding only the clip's first frame (its SEI and slices), and a moov whose tables list
    /// `count` samples, each that same frame (one chunk per sample, every chunk at the frame): a file of ~4 bytes a
    /// sample whose every sample decodes to telemetry.
    func everySampleAtTheFirst(count: Int) throws -> [UInt8] {
        let moov = Array(bytes[try require(box(["moov"]))])
        let table = try SampleTable(moov: moov)
        guard let first = table.first(where: { _ in true }) else { throw HostileFileError("the fixture has no samples") }
        let frame = Array(bytes[Int(first.offset)..<(Int(first.offset) + Int(first.size))])
        let ftyp = whole(["ftyp"])
        let frameOffset = UInt64(ftyp.count + 8)
        let stbl = ["moov", "trak", "mdia", "minf", "stbl"]
        var chunks: [UInt8] = []
        chunks.reserveCapacity(4 * count)
        for _ in 0..<count { chunks += Self.be(frameOffset, 4) }
        let sampleTable = Self.box("stbl", whole(stbl + ["stsd"])
            + Self.fullBox("stts", Self.be(1, 4) + Self.be(UInt64(count), 4) + Self.be(1000, 4))
            + Self.fullBox("stsc", Self.be(1, 4) + Self.be(1, 4) + Self.be(1, 4) + Self.be(1, 4))
            + Self.fullBox("stsz", Self.be(UInt64(frame.count), 4) + Self.be(UInt64(count), 4))
            + Self.fullBox("stco", Self.be(UInt64(count), 4) + chunks))
        let media = Self.box("mdia", whole(["moov", "trak", "mdia", "mdhd"]) + whole(["moov", "trak", "mdia", "hdlr"])
            + Self.box("minf", sampleTable))
        let movie = Self.box("moov", whole(["moov", "mvhd"]) + Self.box("trak", whole(["moov", "trak", "tkhd"]) + media))
        return ftyp + Self.box("mdat", frame) + movie
    }

    /// The clip with its sample tables claiming 4 billion one-byte samples, all in one chunk, in one `stts` run.
    func claimingBillions() throws -> [UInt8] {
        var out = bytes
        let stbl = ["moov", "trak", "mdia", "minf", "stbl"]
        let stsz = try require(box(stbl + ["stsz"])), stsc = try require(box(stbl + ["stsc"]))
        let stts = try require(box(stbl + ["stts"]))
        func put(_ value: UInt32, _ at: Int) { out.replaceSubrange(at..<(at + 4), with: Self.be(UInt64(value), 4)) }
        put(1, stsz.lowerBound + 12)  // uniform sample size 1
        put(0xFFFF_FFFF, stsz.lowerBound + 16)  // sample count
        put(0xFFFF_FFFF, stsc.lowerBound + 20)  // samples per chunk of the first run
        put(0xFFFF_FFFF, stts.lowerBound + 16)  // samples in the first duration run
        return out
    }

    /// ftyp, then `count` 8-byte `free` boxes and nothing else.
    func tinyBoxes(count: Int) -> [UInt8] {
        var out = whole(["ftyp"])
        out.reserveCapacity(out.count + 8 * count)
        for _ in 0..<count { out += [0, 0, 0, 8] + Array("free".utf8) }
        return out
    }

    /// A clip cut by a power cut (ftyp, an mdat of size 0, no moov) whose mdat holds `count` 6-byte frames (a
    /// 2-byte non-IDR slice, first_mb_in_slice 0).
    func tinyFrames(count: Int) -> [UInt8] {
        var out = whole(["ftyp"]) + [0, 0, 0, 0] + Array("mdat".utf8)
        out.reserveCapacity(out.count + 6 * count)
        for _ in 0..<count { out += [0, 0, 0, 2, 0x41, 0x9A] }
        return out
    }

    func require(_ range: Range<Int>?) throws -> Range<Int> {
        guard let range else { throw HostileFileError("the fixture lacks a box the hostile file is built from") }
        return range
    }
}
