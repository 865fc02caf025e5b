import CarSimulator
import FAT32
import Foundation
import Testing
@testable import Volume

/// An empty file's archive stand-in follows the car's entry. Found by the six-camera QEMU car
/// (CarGuestTests.muxedClipsInBursts): an empty `TeslaCam/RecentClips/2026-1~4.MP4` stayed in the archive, the short
/// name of a clip the car had just created, seen while Linux's write of its long-name slots had not arrived
/// (an empty file never logged an event: the placeholder made for an empty entry, left when the entry's name changed).
@Suite struct EmptyPlaceholderTests {
    @Test func theShortNameSeenBeforeTheLongNameSlotsLeavesNothing() throws {
        let car = try ClipFidelityTests.Car()
        let name = "2026-11-25_10-00-00-left_repeater.mp4"
        _ = car.fs.createFile(name, in: car.recent, content: [])
        car.flush()
        let directory = car.geometry.clusterOffset(car.recent)
        let whole = car.engine.read(at: directory, count: car.geometry.clusterSize)
        // The same directory with the long-name slots not yet written (still free): only the short entry shows.
        var torn = whole
        for slot in stride(from: 0, to: torn.count, by: 32) where torn[slot + 11] == 0x0F {
            torn.replaceSubrange(slot..<slot + 32, with: [UInt8](repeating: 0, count: 32))
            torn[slot] = DirectoryEntry.deletedMarker
        }
        #expect(torn != whole, "the entry should have long-name slots")
        car.engine.write(torn, at: directory)
        car.engine.flush()
        #expect(try listing(car).contains { $0.contains("~") }, "the torn view names the file by its short name")
        car.engine.write(whole, at: directory)
        car.engine.flush()
        #expect(try listing(car) == [name])
        car.engine.close()
    }

    func listing(_ car: ClipFidelityTests.Car) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: car.dir.path + "/archive/TeslaCam/RecentClips").sorted()
    }
}
