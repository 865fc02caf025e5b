import FAT32
import Foundation
import Testing

/// Our boot sector against `mkfs.fat -F 32 -s <spc> -n TESLACAM` on a file system of the same size: the same
/// fields except the ones `Formatter` documents as deliberately different.
@Suite("Boot sector matches mkfs.fat's", .serialized)
struct MkfsComparisonTests {
    static let mkfs = Tools.require("mkfs.fat", package: "dosfstools")

    struct Case: CustomTestStringConvertible, Sendable {
        var diskBytes: UInt64
        var layout: PartitionLayout
        var testDescription: String { "\(diskBytes >> 20) MiB, \(layout)" }
    }

    static let cases: [Case] = [64 << 20, 2 << 30, 30 << 30, 64 << 30, 128 << 30].flatMap { size in
        PartitionLayout.allCases.map { Case(diskBytes: size, layout: $0) }
    }

    @Test(
        "field by field", .enabled(if: mkfs.path != nil, Comment(rawValue: mkfs.reason)), arguments: cases)
    func compare(_ testCase: Case) throws {
        let geometry = try VolumeGeometry(diskBytes: testCase.diskBytes, layout: testCase.layout)
        let volumeID: UInt32 = 0x1234_ABCD
        let ours = BootSector(geometry: geometry, volumeID: volumeID, label: .teslaCam)

        // mkfs.fat gets the partition alone, told where it sits on the disk (-h, hidden sectors).
        let partitionBytes = UInt64(geometry.totalSectors) * 512
        let image = try ScratchImage(name: "mkfs.img", size: partitionBytes)
        defer { image.cleanUp() }
        let result = try Tools.run(
            Self.mkfs.path!,
            [
                "-F", "32", "-s", "\(geometry.sectorsPerCluster)", "-n", "TESLACAM", "-i", "1234ABCD",
                "-h", "\(geometry.partitionOffset / 512)", image.path,
            ])
        try #require(result.status == 0, "mkfs.fat failed:\n\(result.output)")
        let theirs = try BootSector(decoding: image.read(0, 512))

        // Identical.
        #expect(ours.jump == theirs.jump)
        #expect(ours.bytesPerSector == theirs.bytesPerSector)
        #expect(ours.sectorsPerCluster == theirs.sectorsPerCluster)
        #expect(ours.fatCount == theirs.fatCount)
        #expect(ours.rootEntryCount == theirs.rootEntryCount)
        #expect(ours.totalSectors16 == theirs.totalSectors16)
        #expect(ours.media == theirs.media)
        #expect(ours.sectorsPerFAT16 == theirs.sectorsPerFAT16)
        #expect(ours.sectorsPerTrack == theirs.sectorsPerTrack)
        #expect(ours.heads == theirs.heads)
        #expect(ours.hiddenSectors == theirs.hiddenSectors)
        #expect(ours.extendedFlags == theirs.extendedFlags)
        #expect(ours.fsVersion == theirs.fsVersion)
        #expect(ours.rootCluster == theirs.rootCluster)
        #expect(ours.fsInfoSector == theirs.fsInfoSector)
        #expect(ours.backupBootSector == theirs.backupBootSector)
        #expect(ours.reserved == theirs.reserved)
        #expect(ours.driveNumber == theirs.driveNumber)
        #expect(ours.reserved1 == theirs.reserved1)
        #expect(ours.bootSignature == theirs.bootSignature)
        #expect(ours.volumeID == theirs.volumeID)
        #expect(ours.volumeLabel == theirs.volumeLabel)
        #expect(ours.fileSystemType == theirs.fileSystemType)
        #expect(ours.encoded()[510...] == theirs.encoded()[510...])

        // Deliberately different (see `Formatter`).
        #expect(theirs.oemName == Array("mkfs.fat".utf8))
        #expect(ours.oemName == Array("TESLACAM".utf8))
        // mkfs.fat rounds the size down to whole tracks; we use the whole partition.
        #expect(ours.totalSectors32 >= theirs.totalSectors32)
        #expect(ours.totalSectors32 - theirs.totalSectors32 < UInt32(theirs.sectorsPerTrack))
        // Our FAT is sized as if the FATs took no space: never smaller, larger by at most what the FATs' own
        // space would need (about 1.6 % with 512-byte clusters, far less with larger ones).
        #expect(ours.sectorsPerFAT >= theirs.sectorsPerFAT)
        #expect(ours.sectorsPerFAT - theirs.sectorsPerFAT <= ours.sectorsPerFAT / 50 + 8)
        // Both reserve at least 32 sectors; we may take more to align clusters to the disk, not the partition.
        #expect(ours.reservedSectors >= 32 && theirs.reservedSectors >= 32)
        #expect((geometry.partitionOffset + ours.dataStartSector * 512) % UInt64(geometry.clusterSize) == 0)
        // Hence (almost) the same number of clusters.
        #expect(ours.clusterCount <= theirs.clusterCount + UInt32(theirs.sectorsPerTrack))
        #expect(theirs.clusterCount - min(theirs.clusterCount, ours.clusterCount) < 1024)
    }
}
