import FAT32
import Testing

@Suite("BootSector")
struct BootSectorTests {
    /// A FAT32 boot sector assembled byte by byte at the offsets of Microsoft's FAT specification.
    static func handBuilt() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ offset: Int, _ bytes: [UInt8]) { b.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
        put(0, [0xEB, 0x58, 0x90])  // BS_jmpBoot
        put(3, Array("mkfs.fat".utf8))  // BS_OEMName
        put(11, [0x00, 0x02])  // BPB_BytsPerSec = 512
        put(13, [0x08])  // BPB_SecPerClus = 8
        put(14, [0x20, 0x00])  // BPB_RsvdSecCnt = 32
        put(16, [0x02])  // BPB_NumFATs = 2
        put(17, [0x00, 0x00])  // BPB_RootEntCnt = 0
        put(19, [0x00, 0x00])  // BPB_TotSec16 = 0
        put(21, [0xF8])  // BPB_Media
        put(22, [0x00, 0x00])  // BPB_FATSz16 = 0
        put(24, [0x3F, 0x00])  // BPB_SecPerTrk = 63
        put(26, [0x80, 0x00])  // BPB_NumHeads = 128
        put(28, [0x00, 0x08, 0x00, 0x00])  // BPB_HiddSec = 2048
        put(32, [0x00, 0xF8, 0x3F, 0x00])  // BPB_TotSec32 = 4192256
        put(36, [0xFE, 0x0F, 0x00, 0x00])  // BPB_FATSz32 = 4094
        put(40, [0x00, 0x00])  // BPB_ExtFlags
        put(42, [0x00, 0x00])  // BPB_FSVer
        put(44, [0x02, 0x00, 0x00, 0x00])  // BPB_RootClus = 2
        put(48, [0x01, 0x00])  // BPB_FSInfo = 1
        put(50, [0x06, 0x00])  // BPB_BkBootSec = 6
        put(64, [0x80])  // BS_DrvNum
        put(65, [0x00])  // BS_Reserved1
        put(66, [0x29])  // BS_BootSig
        put(67, [0xCD, 0xAB, 0x34, 0x12])  // BS_VolID = 0x1234ABCD
        put(71, Array("TESLACAM   ".utf8))  // BS_VolLab
        put(82, Array("FAT32   ".utf8))  // BS_FilSysType
        put(510, [0x55, 0xAA])
        return b
    }

    @Test("decodes every field of known-good bytes from its spec offset")
    func decodesHandBuiltBytes() throws {
        let bytes = Self.handBuilt()
        let boot = try BootSector(decoding: bytes)
        #expect(boot.jump == [0xEB, 0x58, 0x90])
        #expect(boot.oemName == Array("mkfs.fat".utf8))
        #expect(boot.bytesPerSector == 512)
        #expect(boot.sectorsPerCluster == 8)
        #expect(boot.reservedSectors == 32)
        #expect(boot.fatCount == 2)
        #expect(boot.rootEntryCount == 0)
        #expect(boot.totalSectors16 == 0)
        #expect(boot.media == 0xF8)
        #expect(boot.sectorsPerFAT16 == 0)
        #expect(boot.sectorsPerTrack == 63)
        #expect(boot.heads == 128)
        #expect(boot.hiddenSectors == 2048)
        #expect(boot.totalSectors32 == 4_192_256)
        #expect(boot.sectorsPerFAT == 4094)
        #expect(boot.extendedFlags == 0)
        #expect(boot.fatsAreMirrored && boot.activeFAT == 0)
        #expect(boot.fsVersion == 0)
        #expect(boot.rootCluster == 2)
        #expect(boot.fsInfoSector == 1)
        #expect(boot.backupBootSector == 6)
        #expect(boot.driveNumber == 0x80)
        #expect(boot.bootSignature == 0x29 && boot.hasExtendedSignature)
        #expect(boot.volumeID == 0x1234_ABCD)
        #expect(boot.volumeLabel.description == "TESLACAM")
        #expect(boot.fileSystemType == Array("FAT32   ".utf8))
        #expect(boot.totalSectors == 4_192_256)
        #expect(boot.clusterSize == 4096)
        #expect(boot.dataStartSector == 32 + 2 * 4094)
        #expect(boot.clusterCount == (4_192_256 - 8220) / 8)
        #expect(boot.encoded() == bytes)
    }

    @Test("what the formatter writes for the 2 GiB MBR geometry is exactly the hand-built sector (but OEM, code)")
    func geometryBootSectorMatchesHandBuilt() throws {
        let geometry = try VolumeGeometry(diskBytes: 2 << 30, layout: .mbr)
        var ours = BootSector(geometry: geometry, volumeID: 0x1234_ABCD, label: .teslaCam)
        #expect(ours.reservedSectors == 36)  // aligns cluster 2 to 4 KiB on the disk
        ours.reservedSectors = 32
        ours.oemName = Array("mkfs.fat".utf8)
        ours.bootCode = Array(repeating: 0, count: BootSector.bootCodeSize)
        #expect(ours.encoded() == Self.handBuilt())
    }

    @Test("round-trips through encode/decode", arguments: [64 << 20, 2 << 30, 30 << 30, 128 << 30] as [UInt64])
    func roundTrip(size: UInt64) throws {
        for layout in PartitionLayout.allCases {
            let geometry = try VolumeGeometry(diskBytes: size, layout: layout)
            let boot = BootSector(geometry: geometry, volumeID: 0xDEAD_BEEF, label: try VolumeLabel("CAM 1"))
            let bytes = boot.encoded()
            #expect(bytes.count == 512)
            let decoded = try BootSector(decoding: bytes)
            #expect(decoded == boot)
            #expect(decoded.encoded() == bytes)
            #expect(decoded.differences(from: geometry).isEmpty)
            #expect(decoded.clusterCount == geometry.clusterCount)
        }
    }

    @Test("the boot code is a not-bootable stub reached by the jump")
    func bootCode() {
        let code = BootSector.notBootableCode
        #expect(code.count == BootSector.bootCodeSize)
        // EB 58: jump to 0x02 + 0x58 = 0x5A, where the code starts.
        #expect(BootSector.bootCodeOffset == 2 + 0x58)
        // mov si, 0x7C7B points at the message.
        #expect(Array(code[4...6]) == [0xBE, 0x7B, 0x7C])
        let message = Array(code[(0x7B - BootSector.bootCodeOffset)...].prefix { $0 != 0 })
        #expect(String(decoding: message, as: UTF8.self).hasPrefix("This is the TeslaCam USB drive"))
    }

    static func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var b = handBuilt()
        change(&b)
        return b
    }

    @Test("rejects garbage with a typed error naming the problem")
    func rejectsGarbage() {
        func expectInvalid(_ field: String, _ change: (inout [UInt8]) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
            do throws(FAT32Error) {
                _ = try BootSector(decoding: Self.mutated(change))
                Issue.record("accepted a boot sector with a bad \(field)", sourceLocation: sourceLocation)
            } catch {
                guard case let .invalidField(_, found, _, _) = error else {
                    Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
                    return
                }
                #expect(found == field, sourceLocation: sourceLocation)
                #expect(!error.description.isEmpty)
            }
        }
        expectInvalid("bytes per sector") { $0[11] = 0x01; $0[12] = 0x02 }  // 513
        expectInvalid("bytes per sector") { $0[11] = 0x00; $0[12] = 0x01 }  // 256
        expectInvalid("bytes per sector") { $0[11] = 0x00; $0[12] = 0x20 }  // 8192
        expectInvalid("sectors per cluster") { $0[13] = 0 }
        expectInvalid("sectors per cluster") { $0[13] = 3 }
        expectInvalid("reserved sectors") { $0[14] = 0; $0[15] = 0 }
        expectInvalid("number of FATs") { $0[16] = 0 }
        expectInvalid("media descriptor") { $0[21] = 0x00 }
        expectInvalid("sectors per FAT") { $0[36] = 0; $0[37] = 0 }
        expectInvalid("sectors per FAT") { $0[36] = 0x10; $0[37] = 0 }  // too small for the clusters
        expectInvalid("total sectors") { $0[32] = 0; $0[33] = 0; $0[34] = 0; $0[35] = 0 }
        expectInvalid("total sectors") { $0[32] = 0x00; $0[33] = 0x10; $0[34] = 0; $0[35] = 0 }  // < FATs
        expectInvalid("root cluster") { $0[44] = 0 }
        expectInvalid("root cluster") { $0[44] = 0xFF; $0[45] = 0xFF; $0[46] = 0xFF; $0[47] = 0x0F }
        expectInvalid("jump instruction byte") { $0[0] = 0x00 }
    }

    @Test("rejects a missing signature, short input and other file systems")
    func rejectsOtherThings() {
        #expect(throws: FAT32Error.missingSignature(structure: "boot sector", offset: 510, found: 0, expected: 0xAA55)) {
            try BootSector(decoding: Self.mutated { $0[510] = 0; $0[511] = 0 })
        }
        #expect(throws: FAT32Error.truncated(structure: "boot sector", needed: 512, got: 100)) {
            try BootSector(decoding: Self.handBuilt().prefix(100))
        }
        #expect(throws: FAT32Error.truncated(structure: "boot sector", needed: 512, got: 0)) {
            try BootSector(decoding: [])
        }
        // A FAT16 BPB: fixed root directory and a 16-bit FAT size.
        #expect {
            try BootSector(decoding: Self.mutated { $0[17] = 0x00; $0[18] = 0x02; $0[22] = 0x20 })
        } throws: { error in
            guard case .notFAT32 = error as? FAT32Error else { return false }
            return true
        }
        // The car's own "Format USB" makes exFAT: say so.
        #expect {
            try BootSector(decoding: Self.mutated { $0.replaceSubrange(3..<11, with: Array("EXFAT   ".utf8)) })
        } throws: { error in
            (error as? FAT32Error)?.description.contains("exFAT") == true
        }
        #expect(throws: FAT32Error.self) { try BootSector(decoding: [UInt8](repeating: 0, count: 512)) }
        #expect(throws: FAT32Error.self) { try BootSector(decoding: [UInt8](repeating: 0xFF, count: 512)) }
    }

    @Test("differences(from:) names the fields that disagree with a geometry")
    func differences() throws {
        let geometry = try VolumeGeometry(diskBytes: 30 << 30)
        var boot = BootSector(geometry: geometry, volumeID: 1, label: .teslaCam)
        #expect(boot.differences(from: geometry).isEmpty)
        boot.sectorsPerCluster = 8
        boot.hiddenSectors = 0
        let lines = boot.differences(from: geometry)
        #expect(lines.contains { $0.hasPrefix("sectors per cluster: 8 on disk, 32 expected") })
        #expect(lines.contains { $0.hasPrefix("hidden sectors: 0 on disk, 2048 expected") })
    }

    @Test("a geometry can be rebuilt from a boot sector")
    func geometryFromBootSector() throws {
        for layout in PartitionLayout.allCases {
            let geometry = try VolumeGeometry(diskBytes: 30 << 30, layout: layout)
            let boot = BootSector(geometry: geometry, volumeID: 1, label: .teslaCam)
            let rebuilt = try VolumeGeometry(
                bootSector: boot, diskBytes: geometry.diskBytes, layout: layout,
                partitionOffset: geometry.partitionOffset)
            #expect(rebuilt == geometry)
            #expect(throws: FAT32Error.self) {
                try VolumeGeometry(bootSector: boot, diskBytes: 1 << 30, layout: layout, partitionOffset: 0)
            }
        }
    }
}
