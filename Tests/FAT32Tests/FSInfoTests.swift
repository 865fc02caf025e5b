import FAT32
import Testing

@Suite("FSInfo")
struct FSInfoTests {
    @Test("fields and signatures sit at their spec offsets")
    func layout() {
        let bytes = FSInfo(freeCount: 0x0001_F01D, nextFree: 4).encoded()
        #expect(bytes.count == 512)
        #expect(Array(bytes[0..<4]) == Array("RRaA".utf8))
        #expect(bytes[4..<484].allSatisfy { $0 == 0 })
        #expect(Array(bytes[484..<488]) == Array("rrAa".utf8))
        #expect(Array(bytes[488..<492]) == [0x1D, 0xF0, 0x01, 0x00])
        #expect(Array(bytes[492..<496]) == [0x04, 0x00, 0x00, 0x00])
        #expect(bytes[496..<508].allSatisfy { $0 == 0 })
        #expect(Array(bytes[508..<512]) == [0x00, 0x00, 0x55, 0xAA])
    }

    @Test("round-trips")
    func roundTrip() throws {
        for info in [FSInfo(freeCount: 0, nextFree: 2), FSInfo(freeCount: FSInfo.unknown, nextFree: FSInfo.unknown),
                     FSInfo(freeCount: 1_310_397, nextFree: 4)] {
            #expect(try FSInfo(decoding: info.encoded()) == info)
        }
    }

    @Test("each missing signature is reported with its offset", arguments: [0, 484, 508])
    func badSignature(offset: Int) {
        var bytes = FSInfo(freeCount: 1, nextFree: 2).encoded()
        bytes[offset] ^= 0xFF
        #expect {
            try FSInfo(decoding: bytes)
        } throws: { error in
            guard case let .missingSignature(_, at, _, _) = error as? FAT32Error else { return false }
            return at == offset
        }
    }

    @Test("plausibility of the free count")
    func plausible() {
        #expect(FSInfo(freeCount: 10, nextFree: 4).freeCountIsPlausible(clusterCount: 10))
        #expect(!FSInfo(freeCount: 11, nextFree: 4).freeCountIsPlausible(clusterCount: 10))
        #expect(!FSInfo(freeCount: FSInfo.unknown, nextFree: 4).freeCountIsPlausible(clusterCount: 10))
    }
}
