import MP4
import Testing

@Suite("MP4.analyse")
struct AnalyseTests {
    @Test("a complete clip is complete with its metadata")
    func complete() throws {
        let analysis = MP4Builder.analyse(MP4Builder.file())
        #expect(analysis.kind == .mp4)
        #expect(analysis.completeness == .complete)
        #expect(analysis.majorBrand == "mp42")
        let movie = try #require(analysis.movie)
        #expect(movie.creationTime == 1_714_566_896)
        #expect(movie.timescale == 1000)
        #expect(movie.duration == 60.123)
        #expect(movie.videoCodec == "avc1")
        #expect(movie.width == 1448 && movie.height == 938)
        #expect(movie.hasCompositionOffsets)
        #expect(movie.tracks.count == 1 && movie.tracks[0].handler == "vide")
    }

    @Test("moov before mdat is complete too")
    func moovFirst() {
        var options = MP4Builder.Options()
        options.moovFirst = true
        let analysis = MP4Builder.analyse(MP4Builder.file(options))
        #expect(analysis.completeness == .complete)
        #expect(analysis.scan.boxes.map(\.type) == ["ftyp", "moov", "mdat"])
    }

    @Test("mvhd version 1, hvc1, no ctts, largesize mdat")
    func variants() throws {
        var options = MP4Builder.Options()
        options.mvhdVersion = 1
        options.creation = 4_000_000_000  // past 2036: needs more than 32 bits from 1904
        options.timescale = 90_000
        options.duration = 90_000 * 61
        options.codec = "hvc1"
        options.width = 2896
        options.height = 1876
        options.ctts = false
        options.largeMdat = true
        let analysis = MP4Builder.analyse(MP4Builder.file(options))
        #expect(analysis.completeness == .complete)
        #expect(analysis.scan.boxes[1].header.length == 16)
        let movie = try #require(analysis.movie)
        #expect(movie.creationTime == 4_000_000_000)
        #expect(movie.duration == 61)
        #expect(movie.videoCodec == "hvc1" && movie.width == 2896 && movie.height == 1876)
        #expect(!movie.hasCompositionOffsets)
    }

    @Test("an mdat of size 0 runs to the end of file")
    func mdatToEnd() {
        var options = MP4Builder.Options()
        options.moovFirst = true
        var file = MP4Builder.file(options)
        let mdatOffset = MP4Builder.ftyp().count + MP4Builder.moov(options).count
        file.replaceSubrange(mdatOffset..<(mdatOffset + 4), with: [0, 0, 0, 0])
        #expect(MP4Builder.analyse(file).completeness == .complete)
    }

    @Test("no moov yet: recording in progress")
    func missingMoov() {
        let file = MP4Builder.ftyp() + MP4Builder.mdat()
        let analysis = MP4Builder.analyse(file)
        #expect(analysis.kind == .mp4)
        #expect(analysis.completeness == .incomplete(.missingBox(path: "moov")))
        #expect(analysis.movie == nil)
    }

    @Test("no mdat is incomplete")
    func missingMdat() {
        let analysis = MP4Builder.analyse(MP4Builder.ftyp() + MP4Builder.moov())
        #expect(analysis.completeness == .incomplete(.missingBox(path: "mdat")))
        #expect(analysis.movie != nil)
    }

    @Test("a moov without mvhd is incomplete")
    func missingMvhd() {
        let file = MP4Builder.ftyp() + MP4Builder.mdat() + MP4Builder.box("moov", MP4Builder.box("udta"))
        #expect(MP4Builder.analyse(file).completeness == .incomplete(.missingBox(path: "moov/mvhd")))
    }

    @Test("trailing bytes after the last box are incomplete")
    func trailing() {
        let short = MP4Builder.analyse(MP4Builder.file() + [0, 0, 0])
        #expect(short.completeness == .incomplete(.headerTooShort(offset: UInt64(MP4Builder.file().count), needed: 8, available: 3)))
        let zeros = MP4Builder.analyse(MP4Builder.file() + [UInt8](repeating: 0, count: 4096))
        // A zeroed tail parses as a size-0 box of type 0000; it is not a real box.
        #expect(zeros.kind == .mp4 && !zeros.isComplete)
        let garbage = MP4Builder.analyse(MP4Builder.file() + [0, 0, 0, 8, 1, 2, 3, 4])
        #expect(!garbage.isComplete)
        let unknown = MP4Builder.analyse(MP4Builder.file() + MP4Builder.box("free", [1, 2]))
        #expect(unknown.isComplete)
    }

    @Test("mdat declared past the end is incomplete, with moov metadata still read when it comes first")
    func mdatPastEnd() throws {
        var options = MP4Builder.Options()
        options.moovFirst = true
        let file = Array(MP4Builder.file(options).dropLast(10))
        let analysis = MP4Builder.analyse(file)
        guard case .incomplete(.truncatedBox(type: "mdat", _, _, _)) = analysis.completeness else {
            Issue.record("expected truncated mdat, got \(analysis.completeness)")
            return
        }
        #expect(try #require(analysis.movie).videoCodec == "avc1")
    }

    @Test("every truncation of a complete file is incomplete", arguments: [false, true])
    func everyTruncation(moovFirst: Bool) {
        var options = MP4Builder.Options()
        options.moovFirst = moovFirst
        options.mdatBytes = 64
        let file = MP4Builder.file(options)
        var completes: [Int] = []
        for length in 0..<file.count where MP4Builder.analyse(Array(file.prefix(length))).isComplete {
            completes.append(length)
        }
        #expect(completes.isEmpty, "truncated lengths judged complete: \(completes)")
    }

    @Test("files not starting with ftyp are opaque")
    func opaque() {
        let encrypted: [UInt8] = Array("TESLAENC".utf8) + [UInt8](repeating: 0xA5, count: 4096)
        #expect(MP4Builder.analyse(encrypted).kind == .opaque)
        #expect(MP4Builder.analyse([UInt8](repeating: 0, count: 4096)).kind == .opaque)
        #expect(MP4Builder.analyse(MP4Builder.mdat() + MP4Builder.ftyp()).kind == .opaque)
        #expect(MP4Builder.analyse([0, 0, 0]).kind == .opaque)
        // ftyp type but an impossible size.
        #expect(MP4Builder.analyse([0, 0, 0, 8] + Array("ftyp".utf8) + [0, 0, 0, 0]).kind == .opaque)
        let opaque = MP4Builder.analyse(encrypted)
        #expect(!opaque.isComplete && opaque.movie == nil)
    }

    @Test("an empty file is empty")
    func empty() {
        let analysis = MP4Builder.analyse([])
        #expect(analysis.kind == .empty && !analysis.isComplete)
    }

    @Test("an unknown mvhd duration gives no duration")
    func unknownDuration() throws {
        var options = MP4Builder.Options()
        options.duration = 0xFFFF_FFFF
        let movie = try #require(MP4Builder.analyse(MP4Builder.file(options)).movie)
        #expect(movie.duration == nil)
    }

    @Test("a moov over the memory limit is incomplete, not loaded")
    func hugeMoov() {
        let header = BoxHeader(type: "moov", size: .bytes(MP4.maximumMoovSize + 8), length: 8).encoded
        let prefix = MP4Builder.ftyp() + MP4Builder.mdat() + header
        let fileSize = UInt64(prefix.count) + MP4.maximumMoovSize
        var largestRead = 0
        let analysis = MP4.analyse(fileSize: fileSize) { offset, count in
            largestRead = max(largestRead, count)
            let start = Int(offset)
            return start < prefix.count
                ? Array(prefix[start..<min(start + count, prefix.count)])
                : [UInt8](repeating: 0, count: count)
        }
        #expect(analysis.completeness == .incomplete(.boxTooLarge(type: "moov", size: MP4.maximumMoovSize + 8, limit: MP4.maximumMoovSize)))
        #expect(largestRead <= 16)
    }

    @Test("error descriptions say what to do")
    func descriptions() {
        #expect(MP4Error.missingBox(path: "moov").description.contains("unfinished"))
        #expect(MP4Error.notISOBMFF(reason: "x").description.contains("encrypted"))
    }
}

@Suite("MovieInfo(moov:)")
struct MovieParserTests {
    @Test("a broken child inside moov is reported with its path")
    func brokenChild() {
        let trak = MP4Builder.box("trak", [0, 0, 0, 0x40] + Array("mdia".utf8))  // mdia claims 64 bytes, has 8
        let moov = MP4Builder.box("moov", MP4Builder.mvhd(creation: 0, timescale: 1, duration: 1) + trak)
        #expect {
            try MovieInfo(moov: moov)
        } throws: { error in
            guard case let .malformed(path, reason) = error as? MP4Error else { return false }
            return path == "moov/trak" && reason.contains("mdia")
        }
    }

    @Test("bytes that are not a moov are rejected")
    func notMoov() {
        #expect(throws: MP4Error.self) { try MovieInfo(moov: MP4Builder.ftyp()) }
        #expect(throws: MP4Error.self) { try MovieInfo(moov: []) }
    }

    @Test("an unset creation time maps to the 1904 epoch")
    func zeroCreation() throws {
        let moov = MP4Builder.box("moov", MP4Builder.mvhd(creation: 0, timescale: 600, duration: 1200))
        let movie = try MovieInfo(moov: moov)
        #expect(movie.creationTime == -MovieInfo.secondsFrom1904To1970)
        #expect(movie.duration == 2 && movie.videoCodec == nil && movie.tracks.isEmpty)
    }
}
