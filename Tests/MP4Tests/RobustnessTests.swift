import BlockTrace
import MP4
import PropertyBased
import Testing

@Suite("Robustness against garbage")
struct RobustnessTests {
    @Test("random buffers never crash and are never complete")
    func randomBuffers() {
        var rng = SplitMix64(seed: 1)
        for round in 0..<2000 {
            let count = Int.random(in: 0...300, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half the time start with a plausible ftyp header so the scanner goes deeper.
            if round % 2 == 0 { bytes = MP4Builder.ftyp() + bytes }
            let analysis = MP4Builder.analyse(bytes)
            #expect(!analysis.isComplete || analysis.movie != nil)
        }
    }

    @Test("random mutations of a valid file never crash")
    func mutations() {
        var rng = SplitMix64(seed: 2)
        var options = MP4Builder.Options()
        options.mdatBytes = 40
        let valid = MP4Builder.file(options)
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1:  // smash a size-like field with an extreme value
                    let at = Int.random(in: 0..<(bytes.count - 4), using: &rng)
                    let value = [0, 1, 7, 8, 0xFFFF_FFFF, 0x8000_0000].randomElement(using: &rng)!
                    bytes.replaceSubrange(at..<(at + 4), with: MP4Builder.be(UInt64(value), 4))
                case 2:
                    bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                default:
                    let at = Int.random(in: 0...bytes.count, using: &rng)
                    bytes.insert(contentsOf: [UInt8](repeating: 0, count: Int.random(in: 1...8, using: &rng)), at: at)
                }
                if bytes.count < 8 { break }
            }
            let analysis = MP4Builder.analyse(bytes)
            if analysis.isComplete {
                #expect(analysis.movie != nil && analysis.kind == .mp4)
            }
        }
    }

    @Test("property: arbitrary bytes after ftyp never crash the analysis")
    func property() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...200)) { tail in
            let analysis = MP4Builder.analyse(MP4Builder.ftyp() + tail)
            #expect(analysis.kind == .mp4)
        }
    }

    @Test("a file of 8-byte boxes lists no more boxes than its size holds in memory")
    func tinyBoxes() {
        let file = MP4Builder.ftyp() + (0..<200_000).flatMap { _ in MP4Builder.box("free") }
        let scan = MP4.scanBoxes(fileSize: UInt64(file.count)) { offset, count in
            Array(file[Int(offset)..<min(Int(offset) + count, file.count)])
        }
        guard case .tooManyBoxes = scan.problem else { Issue.record("got \(String(describing: scan.problem))"); return }
        #expect(scan.boxes.count * MemoryLayout<Box>.stride * 2 <= file.count)
        #expect("\(scan.problem!)".contains("treating the rest as garbage"))
        // A real file's handful of boxes is never cut short, however small.
        #expect(MP4.boxLimit(MP4.defaultBoxLimit, bytes: 100) == 16)
    }

    @Test("largesize values near UInt64.max do not overflow")
    func hugeLargesize() {
        let file = MP4Builder.ftyp() + [0, 0, 0, 1] + Array("mdat".utf8) + [UInt8](repeating: 0xFF, count: 8)
        let analysis = MP4Builder.analyse(file)
        guard case .incomplete(.truncatedBox(type: "mdat", _, size: .max, _)) = analysis.completeness else {
            Issue.record("got \(analysis.completeness)")
            return
        }
    }

    @Test("a reader returning junk lengths is tolerated")
    func lyingReader() {
        let file = MP4Builder.file()
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let analysis = MP4.analyse(fileSize: UInt64(file.count)) { offset, count in
                let start = Int(offset)
                let n = Int.random(in: 0...count + 4, using: &rng)  // sometimes more, sometimes less
                return (0..<n).map { start + $0 < file.count ? file[start + $0] : 0xAB }
            }
            _ = analysis.completeness
        }
    }
}
