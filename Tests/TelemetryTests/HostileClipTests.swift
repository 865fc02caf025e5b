import BlockTrace
import Testing
import Telemetry

/// Mutated clips (random bytes, extreme sizes in the sample tables and NAL lengths, cuts) never crash the reader,
/// never make it ask for more bytes than the file has, and never yield more frames than its memory bound allows.
@Suite struct HostileClipTests {
    static let clip = ClipFixtures.savedEvent[0]

    /// Reads through a closure that checks every request against the file.
    static func read(_ bytes: [UInt8]) -> Result<ClipTelemetry, TelemetryError> {
        let size = UInt64(bytes.count)
        return Result { () throws(TelemetryError) -> ClipTelemetry in
            try TelemetryReader.read(fileSize: size) { offset, count in
                #expect(count >= 0 && UInt64(count) <= size, "asked for \(count) bytes of a \(size)-byte file")
                let start = Int(min(offset, size))
                return Array(bytes[start..<min(start + count, bytes.count)])
            }
        }
    }

    static func check(_ bytes: [UInt8]) {
        guard case let .success(telemetry) = read(bytes) else { return }
        #expect(telemetry.frames.count <= bytes.count / MemoryLayout<TelemetryFrame>.stride)
        #expect(telemetry.frames.count <= telemetry.videoFrames)
    }

    @Test func mutationsOfTheSampleTablesAndNALs() throws {
        let valid = try ClipFixtures.bytes(Self.clip)
        let moov = try #require(find("moov", in: valid))
        let fields = ["stsz", "stco", "stsc", "stts", "ctts", "mdhd", "avcC"].compactMap { find($0, in: valid) }
        var rng = SplitMix64(seed: 10)
        for _ in 0..<300 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) where bytes.count == valid.count {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0:  // an extreme value into a table's counts, sizes or offsets
                    let table = fields.randomElement(using: &rng)!
                    let at = table + 8 + 4 * Int.random(in: 0..<6, using: &rng)
                    let value: UInt32 = [0, 1, 3, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt32(bytes.count)].randomElement(using: &rng)!
                    write(value, at: at, in: &bytes)
                case 1:  // a random byte anywhere in the moov
                    bytes[Int.random(in: moov..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 2:  // a NAL length or SEI size in the mdat lies
                    let at = Int.random(in: 40..<moov, using: &rng)
                    write([0, 0xFFFF_FFFF, 0x100, 5].randomElement(using: &rng)!, at: at, in: &bytes)
                case 3:  // a random byte in the mdat (SEI payloads, emulation prevention, protobuf)
                    bytes[Int.random(in: 40..<moov, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                default:  // cut
                    bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                }
            }
            Self.check(bytes)
        }
    }

    @Test func tablesClaimingBillionsOfSamplesCostNothing() throws {
        var bytes = try ClipFixtures.bytes(Self.clip)
        let stsz = try #require(find("stsz", in: bytes)), stsc = try #require(find("stsc", in: bytes))
        write(1, at: stsz + 8, in: &bytes)  // uniform sample size 1
        write(0xFFFF_FFFF, at: stsz + 12, in: &bytes)  // 4 billion samples
        write(0xFFFF_FFFF, at: stsc + 20, in: &bytes)  // per chunk
        guard case let .success(telemetry) = Self.read(bytes) else { Issue.record("should still read"); return }
        #expect(telemetry.videoFrames <= bytes.count)
    }

    @Test func cutsAndNonClips() throws {
        let valid = try ClipFixtures.bytes(Self.clip)
        #expect(throws: TelemetryError.self) { try Self.read([]).get() }
        #expect(throws: TelemetryError.self) { try Self.read(Array("not an mp4 at all".utf8)).get() }
        // A clip cut before its moov (a power cut) has no index to walk.
        let cut = Array(valid.prefix(valid.count / 2))
        guard case let .failure(error) = Self.read(cut), case .noMovieIndex = error else {
            Issue.record("a cut clip should say it has no movie index"); return
        }
        #expect("\(error)".contains("moov"))
    }

    /// The offset of the first box header of `type` (its size field), searching the bytes.
    func find(_ type: String, in bytes: [UInt8]) -> Int? {
        let tag = Array(type.utf8)
        guard bytes.count > 8 else { return nil }
        for index in 4..<(bytes.count - 4) where Array(bytes[index..<(index + 4)]) == tag { return index - 4 }
        return nil
    }

    func write(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        guard offset >= 0, offset + 4 <= bytes.count else { return }
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
    }
}
