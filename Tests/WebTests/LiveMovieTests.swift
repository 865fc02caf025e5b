import ClipRepair
import Foundation
import MP4
import Testing
@testable import Web

/// ffprobe (installed by scripts/install-deps.sh, as CI runs it) judges the views; without it the tests fail in
/// words rather than pass without judging.
func requireFFprobe() throws {
    try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe"),
                 "ffprobe is missing: run scripts/install-deps.sh (Debian's ffmpeg)")
}

/// A clip the car is still recording, cut where the car has got to: served as ftyp, moov, mdat of the frames so
/// far, ffprobe judging the result; a re-plan as it grows resumes its walk and finds what a fresh walk finds.
@Suite("Live movie") struct LiveMovieTests {
    static let clips = WebFixture.repository.path + "/fixtures/clips/TeslaCam/RecentClips/"
    let growing = try! Array(Data(contentsOf: URL(fileURLWithPath: clips + "2026-11-20_08-01-00-front.mp4")))
    let reference: RepairReference = {
        let bytes = try! Array(Data(contentsOf: URL(fileURLWithPath: clips + "2026-11-20_08-00-00-front.mp4")))
        return try! RepairReference.read(fileSize: UInt64(bytes.count), read: Self.reader(bytes))
    }()

    static func reader(_ bytes: [UInt8]) -> (UInt64, Int) -> [UInt8] {
        { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + max(0, count), bytes.count)])
        }
    }

    /// The car's file as it is when `upto` bytes are written: the mdat's size still 0, no moov yet.
    func recording(_ upto: Int) -> [UInt8] {
        var bytes = Array(growing.prefix(upto))
        bytes.replaceSubrange(40..<44, with: [0, 0, 0, 0])
        return bytes
    }

    func materialise(_ movie: LiveMovie, from source: [UInt8]) throws -> [UInt8] {
        let reader = LiveMovieReader(movie: movie, base: MemoryReader(bytes: source))
        return try reader.read(at: 0, count: Int(reader.length))
    }

    @Test func aClipCutMidRecordingIsServedFaststartAndPlays() throws {
        let cut = recording(growing.count * 2 / 5)
        var scanner = FrameScanner()
        let movie = try LiveMovie.build(upto: UInt64(cut.count), read: Self.reader(cut), reference: reference, scanner: &scanner)
        let file = try materialise(movie, from: cut)
        let boxes = MP4.scanBoxes(fileSize: UInt64(file.count), read: Self.reader(file)).boxes.map(\.type.description)
        #expect(boxes == ["ftyp", "free", "moov", "mdat"])
        #expect(movie.frames > 100)
        try requireFFprobe()
        let probe = try ffprobe(file)
        #expect(probe.frames == movie.frames)
        #expect(abs(probe.duration - movie.duration) < 0.1, "ffprobe \(probe.duration) s, plan \(movie.duration) s")
        // The frames are the car's bytes, at their new place after the moov.
        let mdat = try #require(MP4.scanBoxes(fileSize: UInt64(file.count), read: Self.reader(file)).first("mdat"))
        #expect(Array(file[Int(mdat.payloadOffset)..<Int(mdat.payloadOffset) + 1000]) == Array(cut[48..<1048]))
        // Any range reads as the same slice of the whole.
        let reader = LiveMovieReader(movie: movie, base: MemoryReader(bytes: cut))
        for (offset, count) in [(0, 10), (30, 200), (Int(mdat.offset) - 5, 20), (file.count - 7, 100)] {
            #expect(try reader.read(at: UInt64(offset), count: count) == Array(file[offset..<min(file.count, offset + count)]))
        }
    }

    @Test func growingReplansResumeAndMatchAFreshWalk() throws {
        var scanner = FrameScanner()
        var durations: [Double] = []
        for share in [2, 4, 6, 8, 9] {
            let cut = recording(growing.count * share / 10)
            let resumed = try LiveMovie.build(upto: UInt64(cut.count), read: Self.reader(cut), reference: reference, scanner: &scanner)
            var fresh = FrameScanner()
            let whole = try LiveMovie.build(upto: UInt64(cut.count), read: Self.reader(cut), reference: reference, scanner: &fresh)
            #expect(resumed.pieces == whole.pieces, "at \(share)0 %")
            #expect(scanner.settled.count >= resumed.frames - 1)
            durations.append(resumed.duration)
        }
        #expect(durations == durations.sorted() && Set(durations).count == durations.count, "\(durations)")
        // The walk resumed where it had got to: the settled frames reach near the end of the last cut.
        #expect(scanner.resumeOffset > UInt64(growing.count * 8 / 10))
    }

    @Test func aCompleteClipIsNotALiveOne() throws {
        var scanner = FrameScanner()
        #expect(throws: RepairError.notTruncated) {
            try LiveMovie.build(upto: UInt64(growing.count), read: Self.reader(growing), reference: reference, scanner: &scanner)
        }
    }

    @Test func chunkOffsetsMoveAndOverflowIsRefused() throws {
        let stco = box("stco", [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 100, 0xFF, 0xFF, 0xFF, 0xF0])
        let moov = box("moov", box("trak", box("mdia", box("minf", box("stbl", stco)))))
        #expect(ChunkOffsets.shift(moov, by: 0x0F) != nil)
        #expect(ChunkOffsets.shift(moov, by: 0x10) == nil, "0xFFFFFFF0 + 0x10 does not fit stco")
        let moved = try #require(ChunkOffsets.shift(moov, by: 5))
        #expect(Array(moved.suffix(8)) == [0, 0, 0, 105, 0xFF, 0xFF, 0xFF, 0xF5])
    }

    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let size = UInt32(payload.count + 8)
        return [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + Array(type.utf8) + payload
    }

    func ffprobe(_ file: [UInt8]) throws -> (frames: Int, duration: Double) {
        let path = NSTemporaryDirectory() + "teslacam-live-\(UUID().uuidString).mp4"
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                               "stream=nb_read_frames:format=duration", "-of", "default=nw=1:nk=1", path])
        let lines = out.split(separator: "\n").map(String.init)
        return (Int(lines.first ?? "") ?? -1, Double(lines.last ?? "") ?? -1)
    }
}

struct MemoryReader: ClipReader {
    let bytes: [UInt8]
    var length: UInt64 { UInt64(bytes.count) }
    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
        let start = Int(min(offset, length))
        return Array(bytes[start..<min(bytes.count, start + max(0, count))])
    }
}

/// A complete clip's browser patches are found once per clip version, not at every range request.
@Suite("Playable patches cache") struct PlayablePatchesCacheTests {
    final class CountingReader: ClipReader, @unchecked Sendable {
        let base: any ClipReader
        var reads = 0
        init(_ base: any ClipReader) { self.base = base }
        var length: UInt64 { base.length }
        func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
            reads += 1
            return try base.read(at: offset, count: count)
        }
    }

    @Test func theMoovIsReadOncePerClipVersion() throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let row = try #require(try fixture.catalog.clips().first { $0.path.hasSuffix("08-00-00-front.mp4") })
        let store = ArchiveClipStore(root: fixture.archive)
        let cache = RecentCache<String, [BrowserPlayable.Patch]>(capacity: 4)
        let first = CountingReader(try store.open(row))
        let patched = PlayableClipReader(first, clip: row, cache: cache)
        #expect(first.reads > 0, "the first open scans the boxes and reads the moov")
        let second = CountingReader(try store.open(row))
        let again = PlayableClipReader(second, clip: row, cache: cache)
        #expect(second.reads == 0)
        #expect(again.patches == patched.patches)
        #expect(try again.read(at: 0, count: Int(again.length)) == (try patched.read(at: 0, count: Int(patched.length))))
    }
}
