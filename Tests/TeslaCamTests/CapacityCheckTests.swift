import Testing
@testable import teslacam

@Suite struct CapacityCheckTests {
    static let gib: UInt64 = 1 << 30

    @Test func aVolumeTheDiskCanBackIsQuiet() {
        #expect(CapacityCheck.warning(volumeBytes: 30 * Self.gib, free: 40 * Self.gib, total: 60 * Self.gib,
                                      minFree: 2 * Self.gib, path: "/srv/teslacam") == nil)
    }

    @Test func aLargerVolumeIsAWarningWithTheNumbersAndASize() throws {
        let warning = try #require(CapacityCheck.warning(volumeBytes: 30 * Self.gib, free: 14 * Self.gib,
                                                         total: 29 * Self.gib, minFree: 2 * Self.gib, path: "/srv/teslacam"))
        #expect(warning == "the volume lets the car store 30 GiB, but the disk under /srv/teslacam has 14 GiB free of "
            + "29 GiB: with minFree (2 GiB) kept free it can back only 12 GiB. Once the car's own clips outgrow that, "
            + "retention has nothing left to evict and the car's writes are held in memory. Format a volume of at most "
            + "12G, or give the archive a larger disk.")
    }

    @Test func lessThanMinFreeSaysSo() throws {
        let warning = try #require(CapacityCheck.warning(volumeBytes: 2 * Self.gib, free: 80 << 20, total: 90 << 20,
                                                         minFree: 2 * Self.gib, path: "/a"))
        #expect(warning.contains("less than retention's minFree (2 GiB) alone"))
    }

    @Test func wordsForSizesAndAges() {
        #expect(Wording.bytes(0) == "0 bytes")
        #expect(Wording.bytes(1536) == "1.5 KiB")
        #expect(Wording.bytes(30 << 20) == "30 MiB")
        #expect(Wording.bytes(150 << 30) == "150 GiB")
        #expect(Wording.age(seconds: 42) == "42 s")
        #expect(Wording.age(seconds: 600) == "10 min")
        #expect(Wording.age(seconds: 5400) == "1.5 h")
        #expect(Wording.age(seconds: 2 * 86_400 + 43_200) == "2.5 days")
    }
}
