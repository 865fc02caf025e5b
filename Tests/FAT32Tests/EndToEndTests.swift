import FAT32
import Foundation
import Testing

/// Formats real sparse image files and has the independent tools judge them: `fsck.fat -n` (dosfstools) and
/// `mdir`/`minfo` (mtools).
@Suite("End to end: fsck.fat and mtools accept the formatted volume", .serialized)
struct EndToEndTests {
    static let fsck = Tools.require("fsck.fat", package: "dosfstools")
    static let mdir = Tools.require("mdir", package: "mtools")
    static let minfo = Tools.require("minfo", package: "mtools")
    static let mkfs = Tools.require("mkfs.fat", package: "dosfstools")
    static let toolsAvailable = fsck.path != nil && mdir.path != nil && minfo.path != nil
    static let toolsReason = [fsck, mdir, minfo].map(\.reason).filter { !$0.isEmpty }.joined(separator: "; ")

    static let date = DOSDateTime(year: 2025, month: 6, day: 1, hour: 12, minute: 34, second: 56)
    static let volumeID: UInt32 = 0x1234_ABCD

    struct Case: CustomTestStringConvertible, Sendable {
        var diskBytes: UInt64
        var layout: PartitionLayout
        var testDescription: String { "\(diskBytes >> 20) MiB, \(layout)" }
    }

    static let cases: [Case] = [64 << 20, 2 << 30, 40 << 30].flatMap { size in
        PartitionLayout.allCases.map { Case(diskBytes: size, layout: $0) }
    }

    @Test(
        "fsck.fat -n finds nothing to fix, mdir lists TeslaCam, minfo shows the BPB",
        .enabled(if: toolsAvailable, Comment(rawValue: toolsReason)), arguments: cases)
    func toolsAcceptVolume(_ testCase: Case) throws {
        let geometry = try VolumeGeometry(diskBytes: testCase.diskBytes, layout: testCase.layout)
        let disk = try ScratchImage(name: "volume.img", size: geometry.diskBytes)
        defer { disk.cleanUp() }
        try disk.withSink { sink in
            Formatter.format(geometry, volumeID: Self.volumeID, date: Self.date, into: &sink)
        }

        // fsck.fat has no offset option: check the partition from a file of its own, written by the same
        // formatter through a sink shifted by the partition offset.
        var fsckTarget = disk.path
        if testCase.layout == .mbr {
            let partition = try ScratchImage(
                name: "partition.img", size: UInt64(geometry.totalSectors) * 512)
            defer { partition.cleanUp() }
            try partition.withSink(shift: geometry.partitionOffset) { sink in
                Formatter.format(geometry, volumeID: Self.volumeID, date: Self.date, into: &sink)
            }
            fsckTarget = partition.path
            try checkFsck(fsckTarget, geometry: geometry)
            // The MBR itself must point at that partition.
            let mbr = try MasterBootRecord(decoding: disk.read(0, 512))
            #expect(UInt64(mbr.partitions[0].firstLBA) * 512 == geometry.partitionOffset)
            #expect(mbr.partitions[0].sectorCount == geometry.totalSectors)
            #expect(mbr.partitions[0].type == 0x0C)
        } else {
            try checkFsck(fsckTarget, geometry: geometry)
        }

        let image = testCase.layout == .mbr ? disk.path + "@@1M" : disk.path
        let env = ["MTOOLS_SKIP_CHECK": "1", "MTOOLS_NO_VFAT": "", "LC_ALL": "C"]
        let listing = try Tools.run(Self.mdir.path!, ["-i", image, "::"], environment: env)
        #expect(listing.status == 0, "mdir failed:\n\(listing.output)")
        #expect(listing.output.contains("TeslaCam"), "mdir does not list TeslaCam:\n\(listing.output)")
        #expect(listing.output.contains("TESLACAM"), "mdir does not show the label:\n\(listing.output)")
        #expect(listing.output.contains("1234-ABCD"), "mdir does not show the serial:\n\(listing.output)")

        let inner = try Tools.run(Self.mdir.path!, ["-a", "-i", image, "::TeslaCam"], environment: env)
        #expect(inner.status == 0, "mdir ::TeslaCam failed:\n\(inner.output)")

        let info = try Tools.run(Self.minfo.path!, ["-i", image, "::"], environment: env)
        #expect(info.status == 0, "minfo failed:\n\(info.output)")
        for line in [
            "cluster size: \(geometry.sectorsPerCluster) sectors",
            "reserved (boot) sectors: \(geometry.reservedSectors)",
            "fats: 2",
            "max available root directory slots: 0",
            "small size: 0 sectors",
            "media descriptor byte: 0xf8",
            "sectors per fat: 0",
            "hidden sectors: \(geometry.partitionOffset / 512)",
            "big size: \(geometry.totalSectors) sectors",
            "physical drive id: 0x80",
            "dos4=0x29",
            "serial number: 1234ABCD",
            "disk label=\"TESLACAM   \"",
            "disk type=\"FAT32   \"",
            "Big fatlen=\(geometry.sectorsPerFAT)",
            "Extended flags=0x0000",
            "FS version=0x0000",
            "rootCluster=2",
            "infoSector location=1",
            "backup boot sector=6",
            "signature=0x41615252",
            "free clusters=\(geometry.clusterCount - 2)",
            "last allocated cluster=4",
        ] {
            #expect(info.output.contains(line), "minfo lacks \"\(line)\":\n\(info.output)")
        }
    }

    private func checkFsck(_ path: String, geometry: VolumeGeometry) throws {
        let result = try Tools.run(Self.fsck.path!, ["-n", "-v", "-V", path])
        #expect(result.status == 0, "fsck.fat -n exited \(result.status):\n\(result.output)")
        let lowered = result.output.lowercased()
        for complaint in ["differences", "dirty", "free cluster summary wrong", "reclaim", "bad", "orphan",
                          "invalid", "not automatically", "warning", "error", "corrected", "marking"] {
            #expect(!lowered.contains(complaint), "fsck.fat complains (\(complaint)):\n\(result.output)")
        }
        // Root directory and TeslaCam: two used clusters of all of them.
        #expect(
            result.output.contains("2/\(geometry.clusterCount) clusters"),
            "unexpected usage summary:\n\(result.output)")
        #expect(result.output.contains("\(geometry.clusterCount) data clusters"), "\(result.output)")
    }
}
