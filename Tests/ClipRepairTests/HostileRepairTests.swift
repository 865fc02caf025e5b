import BlockTrace
@testable import ClipRepair
import Foundation
import MP4
import Testing

@Suite("Repair of hostile bytes")
struct HostileRepairTests {
    /// Mutated truncated clips (random bytes, extreme lengths, zeroed runs) never crash the repair; what it
    /// plans only copies bytes that exist and adds an index no larger than the reference's plus 60 bytes a frame.
    @Test("mutated truncated clips never crash the repair, and its plan stays inside the file")
    func mutatedClips() throws {
        let original = try Fixtures.bytes(Fixtures.savedBack)
        let reference = try Fixtures.reference(Fixtures.front)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<400 {
            var bytes = Array(original.prefix(Int.random(in: 0...original.count * 3 / 4, using: &rng)))
            guard bytes.count > 64 else { continue }
            for _ in 0..<Int.random(in: 1...10, using: &rng) {
                let at = Int.random(in: 0..<(bytes.count - 8), using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1:
                    let value = [0, 1, 2, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0x100].randomElement(using: &rng)!
                    for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
                default: for i in at..<min(bytes.count, at + 64) { bytes[i] = 0 }
                }
            }
            guard let plan = try? Fixtures.plan(bytes, reference: reference) else { continue }
            var copied: UInt64 = 0
            for piece in plan.pieces {
                if case let .copy(offset, count) = piece {
                    #expect(offset + count <= UInt64(bytes.count))
                    copied += count
                }
            }
            #expect(plan.size <= copied + 64 + 60 * UInt64(plan.frames) + 4096)
        }
    }

    @Test("an mdat of tiny plausible NAL units stops at the frame limit, within the file's size")
    func tinyUnits() throws {
        let reference = try Fixtures.reference(Fixtures.front)
        let original = try Fixtures.bytes(Fixtures.front)
        // ftyp + free + mdat (size 0), then 100 000 six-byte units: length 2, a non-IDR slice with first_mb 0.
        var bytes = Array(original.prefix(48))
        bytes.replaceSubrange(40..<44, with: [0, 0, 0, 0])
        for _ in 0..<100_000 { bytes += [0, 0, 0, 2, 0x41, 0x9A] }
        let plan = try Fixtures.plan(bytes, reference: reference)
        #expect(plan.frames <= bytes.count / 12 + 1)
        #expect(plan.stop == .frameLimit)
        #expect("\(plan.stop)".contains("more frames than a file of this size can honestly hold"))
    }

    @Test("a reference whose tables claim four billion samples costs only its runs, and still lends its timing")
    func referenceClaimingBillions() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let moovBox = MP4.analyse(fileSize: UInt64(original.count), read: Fixtures.reader(original)).scan.first("moov")!
        var moov = Array(original[Int(moovBox.offset)..<Int(moovBox.end)])
        func offset(of type: String) -> Int? {
            let tag = Array(type.utf8)
            return (4..<(moov.count - 4)).first { Array(moov[$0..<($0 + 4)]) == tag }.map { $0 - 4 }
        }
        let stsz = try #require(offset(of: "stsz")), stsc = try #require(offset(of: "stsc"))
        func put(_ value: UInt32, _ at: Int) { for i in 0..<4 { moov[at + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) } }
        put(1, stsz + 12)  // uniform size 1
        put(0xFFFF_FFFF, stsz + 16)  // four billion samples
        put(0xFFFF_FFFF, stsc + 20)  // all in the first chunk
        let reference = try RepairReference(moov: moov)
        let honest = try Fixtures.reference(Fixtures.front)
        #expect(reference.timescale == honest.timescale && reference.nalLengthSize == honest.nalLengthSize)
        // The fixture's durations for the frames it has; its typical one after.
        #expect((0..<100).map(reference.duration(ofFrame:)) == (0..<100).map(honest.duration(ofFrame:)))
        #expect(reference.duration(ofFrame: 3_000_000) == honest.duration(ofFrame: 3_000_000))
        let truncated = Array(original.prefix(original.count / 3))
        #expect(try Fixtures.plan(truncated, reference: reference).frames == Fixtures.plan(truncated, reference: honest).frames)
    }

    @Test("hostile references are refused in words, never a crash")
    func mutatedReferences() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let moovBox = MP4.analyse(fileSize: UInt64(original.count), read: Fixtures.reader(original)).scan.first("moov")!
        let moov = Array(original[Int(moovBox.offset)..<Int(moovBox.end)])
        let truncated = Array(original.prefix(original.count / 3))
        var rng = SplitMix64(seed: 12)
        for _ in 0..<300 {
            var bytes = moov
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<(bytes.count - 4), using: &rng)
                let value = [0, 1, 8, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt32.random(in: 0...UInt32.max, using: &rng)]
                    .randomElement(using: &rng)!
                for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: Int(value) >> (24 - 8 * i)) }
            }
            guard let reference = try? RepairReference(moov: bytes) else { continue }
            _ = try? Fixtures.plan(truncated, reference: reference)
        }
    }
}
