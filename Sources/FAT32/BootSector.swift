/// The FAT32 boot sector: BIOS parameter block (BPB), FAT32 extended BPB, boot code, 0x55AA.
///
/// Fields are kept as stored. `init(decoding:)` validates that they describe a usable FAT32 volume;
/// `init(geometry:volumeID:label:)` builds the boot sector `Formatter` writes.
public struct BootSector: Hashable, Sendable {
    public static let size = 512
    public static let bootCodeOffset = 90
    public static let bootCodeSize = 420

    /// Bytes 0–2: a jump over the BPB to the boot code (0xEB 0x58 0x90).
    public var jump: [UInt8]
    /// Bytes 3–10: the formatting tool's name.
    public var oemName: [UInt8]
    /// Bytes 11–12: 512, 1024, 2048 or 4096.
    public var bytesPerSector: UInt16
    /// Byte 13: a power of two, 1–128.
    public var sectorsPerCluster: UInt8
    /// Bytes 14–15: sectors before the first FAT (boot sector, FSInfo, backups).
    public var reservedSectors: UInt16
    /// Byte 16: FAT copies, normally 2.
    public var fatCount: UInt8
    /// Bytes 17–18: 0 on FAT32 (the root directory is a cluster chain).
    public var rootEntryCount: UInt16
    /// Bytes 19–20: 0 on FAT32 (see `totalSectors32`).
    public var totalSectors16: UInt16
    /// Byte 21: 0xF8 for fixed media; FAT[0]'s low byte repeats it.
    public var media: UInt8
    /// Bytes 22–23: 0 on FAT32; this is what marks a FAT32 BPB.
    public var sectorsPerFAT16: UInt16
    /// Bytes 24–25.
    public var sectorsPerTrack: UInt16
    /// Bytes 26–27.
    public var heads: UInt16
    /// Bytes 28–31: sectors before the partition (its start LBA).
    public var hiddenSectors: UInt32
    /// Bytes 32–35.
    public var totalSectors32: UInt32
    /// Bytes 36–39: sectors per FAT copy.
    public var sectorsPerFAT: UInt32
    /// Bytes 40–41: bit 7 set = only FAT number (bits 0–3) is active; clear = all FATs are mirrored.
    public var extendedFlags: UInt16
    /// Bytes 42–43: 0.
    public var fsVersion: UInt16
    /// Bytes 44–47: first cluster of the root directory, normally 2.
    public var rootCluster: UInt32
    /// Bytes 48–49: sector of the FSInfo structure, normally 1.
    public var fsInfoSector: UInt16
    /// Bytes 50–51: sector of the backup boot sector, normally 6.
    public var backupBootSector: UInt16
    /// Bytes 52–63: reserved, zero.
    public var reserved: [UInt8]
    /// Byte 64: BIOS drive number, 0x80.
    public var driveNumber: UInt8
    /// Byte 65: reserved; Windows keeps a "dirty" flag in bit 0.
    public var reserved1: UInt8
    /// Byte 66: 0x29 when the volume ID, label and type fields follow.
    public var bootSignature: UInt8
    /// Bytes 67–70: the volume serial number (`XXXX-XXXX`).
    public var volumeID: UInt32
    /// Bytes 71–81.
    public var volumeLabel: VolumeLabel
    /// Bytes 82–89: "FAT32   " (informational only; nothing may rely on it).
    public var fileSystemType: [UInt8]
    /// Bytes 90–509.
    public var bootCode: [UInt8]

    /// The OEM name this module writes. `mkfs.fat` writes "mkfs.fat"; any name is valid, and a distinct one tells
    /// who formatted the volume.
    public static let oemName = Array("TESLACAM".utf8)
    public static let fileSystemType = Array("FAT32   ".utf8)

    /// A stub like `mkfs.fat`'s: if a BIOS ever boots the drive, print a message, wait for a key, try the next
    /// boot device. The jump at byte 0 lands on byte 90.
    public static let notBootableCode: [UInt8] = {
        let message = Array("This is the TeslaCam USB drive; it is not bootable.\r\nPress a key to try again.\r\n".utf8)
        let messageOffset = 0x7B
        var code: [UInt8] = [
            0x31, 0xC0,  //       xor ax, ax
            0x8E, 0xD8,  //       mov ds, ax
            0xBE, UInt8(messageOffset), 0x7C,  // mov si, 0x7C00 + message
            0xFC,  //             cld
            0xAC,  // print:      lodsb
            0x84, 0xC0,  //       test al, al
            0x74, 0x0B,  //       jz done
            0x56,  //             push si
            0xB4, 0x0E,  //       mov ah, 0x0E      ; teletype output
            0xBB, 0x07, 0x00,  // mov bx, 0x0007
            0xCD, 0x10,  //       int 0x10
            0x5E,  //             pop si
            0xEB, 0xF0,  //       jmp print
            0x31, 0xC0,  // done: xor ax, ax
            0xCD, 0x16,  //       int 0x16          ; wait for a key
            0xCD, 0x19,  //       int 0x19          ; next boot device
            0xF4,  // halt:       hlt
            0xEB, 0xFD,  //       jmp halt
        ]
        precondition(bootCodeOffset + code.count == messageOffset)
        code += message + [0]
        return code + Array(repeating: 0, count: bootCodeSize - code.count)
    }()

    public init(
        jump: [UInt8] = [0xEB, 0x58, 0x90], oemName: [UInt8] = BootSector.oemName, bytesPerSector: UInt16 = 512,
        sectorsPerCluster: UInt8, reservedSectors: UInt16, fatCount: UInt8 = 2, rootEntryCount: UInt16 = 0,
        totalSectors16: UInt16 = 0, media: UInt8 = 0xF8, sectorsPerFAT16: UInt16 = 0, sectorsPerTrack: UInt16,
        heads: UInt16, hiddenSectors: UInt32, totalSectors32: UInt32, sectorsPerFAT: UInt32,
        extendedFlags: UInt16 = 0, fsVersion: UInt16 = 0, rootCluster: UInt32 = 2, fsInfoSector: UInt16 = 1,
        backupBootSector: UInt16 = 6, reserved: [UInt8] = Array(repeating: 0, count: 12), driveNumber: UInt8 = 0x80,
        reserved1: UInt8 = 0, bootSignature: UInt8 = 0x29, volumeID: UInt32, volumeLabel: VolumeLabel,
        fileSystemType: [UInt8] = BootSector.fileSystemType, bootCode: [UInt8] = BootSector.notBootableCode
    ) {
        precondition(jump.count == 3 && oemName.count == 8 && reserved.count == 12 && fileSystemType.count == 8)
        precondition(bootCode.count == Self.bootCodeSize)
        self.jump = jump
        self.oemName = oemName
        self.bytesPerSector = bytesPerSector
        self.sectorsPerCluster = sectorsPerCluster
        self.reservedSectors = reservedSectors
        self.fatCount = fatCount
        self.rootEntryCount = rootEntryCount
        self.totalSectors16 = totalSectors16
        self.media = media
        self.sectorsPerFAT16 = sectorsPerFAT16
        self.sectorsPerTrack = sectorsPerTrack
        self.heads = heads
        self.hiddenSectors = hiddenSectors
        self.totalSectors32 = totalSectors32
        self.sectorsPerFAT = sectorsPerFAT
        self.extendedFlags = extendedFlags
        self.fsVersion = fsVersion
        self.rootCluster = rootCluster
        self.fsInfoSector = fsInfoSector
        self.backupBootSector = backupBootSector
        self.reserved = reserved
        self.driveNumber = driveNumber
        self.reserved1 = reserved1
        self.bootSignature = bootSignature
        self.volumeID = volumeID
        self.volumeLabel = volumeLabel
        self.fileSystemType = fileSystemType
        self.bootCode = bootCode
    }

    /// The boot sector for `geometry`, with the CHS geometry `mkfs.fat` would invent for the file system's size.
    public init(geometry: VolumeGeometry, volumeID: UInt32, label: VolumeLabel) {
        let chs = CHSGeometry(sectors: UInt64(geometry.totalSectors))
        self.init(
            sectorsPerCluster: UInt8(geometry.sectorsPerCluster), reservedSectors: UInt16(geometry.reservedSectors),
            fatCount: UInt8(geometry.fatCount), sectorsPerTrack: chs.sectorsPerTrack, heads: chs.heads,
            hiddenSectors: UInt32(geometry.partitionOffset / UInt64(VolumeGeometry.bytesPerSector)),
            totalSectors32: geometry.totalSectors, sectorsPerFAT: geometry.sectorsPerFAT,
            rootCluster: VolumeGeometry.rootCluster, volumeID: volumeID, volumeLabel: label)
    }

    /// Decodes the first 512 bytes and checks that they describe a FAT32 volume a driver could mount.
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "boot sector")
        let structure = "boot sector"
        func invalid(_ field: String, _ value: some BinaryInteger, _ requirement: String) -> FAT32Error {
            .invalidField(structure: structure, field: field, value: UInt64(value), requirement: requirement)
        }
        let signature = b.le16(at: 510)
        guard signature == 0xAA55 else {
            throw .missingSignature(structure: structure, offset: 510, found: UInt32(signature), expected: 0xAA55)
        }
        let oem = b.bytes(at: 3, count: 8)
        if oem == Array("EXFAT   ".utf8) {
            throw .notFAT32(reason: "it is exFAT (the car's own \"Format USB\" makes exFAT)")
        }
        if oem == Array("NTFS    ".utf8) { throw .notFAT32(reason: "it is NTFS") }
        guard b[0] == 0xEB || b[0] == 0xE9 else {
            throw invalid("jump instruction byte", b[0], "it must be 0xEB or 0xE9 (not a FAT boot sector)")
        }
        self.init(
            jump: b.bytes(at: 0, count: 3), oemName: oem, bytesPerSector: b.le16(at: 11),
            sectorsPerCluster: b[13], reservedSectors: b.le16(at: 14), fatCount: b[16],
            rootEntryCount: b.le16(at: 17), totalSectors16: b.le16(at: 19), media: b[21],
            sectorsPerFAT16: b.le16(at: 22), sectorsPerTrack: b.le16(at: 24), heads: b.le16(at: 26),
            hiddenSectors: b.le32(at: 28), totalSectors32: b.le32(at: 32), sectorsPerFAT: b.le32(at: 36),
            extendedFlags: b.le16(at: 40), fsVersion: b.le16(at: 42), rootCluster: b.le32(at: 44),
            fsInfoSector: b.le16(at: 48), backupBootSector: b.le16(at: 50), reserved: b.bytes(at: 52, count: 12),
            driveNumber: b[64], reserved1: b[65], bootSignature: b[66], volumeID: b.le32(at: 67),
            volumeLabel: try VolumeLabel(decoding: b[71..<82]), fileSystemType: b.bytes(at: 82, count: 8),
            bootCode: b.bytes(at: Self.bootCodeOffset, count: Self.bootCodeSize))

        guard [512, 1024, 2048, 4096].contains(bytesPerSector) else {
            throw invalid("bytes per sector", bytesPerSector, "it must be 512, 1024, 2048 or 4096")
        }
        guard sectorsPerCluster != 0, sectorsPerCluster & (sectorsPerCluster - 1) == 0 else {
            throw invalid("sectors per cluster", sectorsPerCluster, "it must be a power of two from 1 to 128")
        }
        guard reservedSectors >= 1 else {
            throw invalid("reserved sectors", reservedSectors, "at least the boot sector must be reserved")
        }
        guard fatCount >= 1 else { throw invalid("number of FATs", fatCount, "there must be at least one FAT") }
        guard media == 0xF0 || media >= 0xF8 else {
            throw invalid("media descriptor", media, "it must be 0xF0 or 0xF8–0xFF")
        }
        guard sectorsPerFAT16 == 0, rootEntryCount == 0 else {
            throw .notFAT32(
                reason: "it has a fixed root directory (\(rootEntryCount) entries) or a 16-bit FAT size "
                    + "(\(sectorsPerFAT16) sectors), so it is FAT12 or FAT16")
        }
        guard sectorsPerFAT != 0 else { throw invalid("sectors per FAT", sectorsPerFAT, "it must not be 0") }
        guard totalSectors != 0 else { throw invalid("total sectors", 0, "it must not be 0") }
        guard UInt64(dataStartSector) < UInt64(totalSectors) else {
            throw invalid(
                "total sectors", totalSectors,
                "the reserved sectors and FATs alone take \(dataStartSector) sectors (no room for data)")
        }
        let fatEntries = UInt64(sectorsPerFAT) * UInt64(bytesPerSector) / 4
        guard fatEntries >= UInt64(clusterCount) + 2 else {
            throw invalid(
                "sectors per FAT", sectorsPerFAT,
                "\(clusterCount) clusters need \(UInt64(clusterCount) + 2) FAT entries and the FAT holds \(fatEntries)")
        }
        guard rootCluster >= 2, UInt64(rootCluster) < UInt64(clusterCount) + 2 else {
            throw invalid("root cluster", rootCluster, "it must be a data cluster (2...\(UInt64(clusterCount) + 1))")
        }
    }

    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        b.put(jump.prefix(3), at: 0)
        b.put(oemName.prefix(8), at: 3)
        b.putLE16(bytesPerSector, at: 11)
        b[13] = sectorsPerCluster
        b.putLE16(reservedSectors, at: 14)
        b[16] = fatCount
        b.putLE16(rootEntryCount, at: 17)
        b.putLE16(totalSectors16, at: 19)
        b[21] = media
        b.putLE16(sectorsPerFAT16, at: 22)
        b.putLE16(sectorsPerTrack, at: 24)
        b.putLE16(heads, at: 26)
        b.putLE32(hiddenSectors, at: 28)
        b.putLE32(totalSectors32, at: 32)
        b.putLE32(sectorsPerFAT, at: 36)
        b.putLE16(extendedFlags, at: 40)
        b.putLE16(fsVersion, at: 42)
        b.putLE32(rootCluster, at: 44)
        b.putLE16(fsInfoSector, at: 48)
        b.putLE16(backupBootSector, at: 50)
        b.put(reserved.prefix(12), at: 52)
        b[64] = driveNumber
        b[65] = reserved1
        b[66] = bootSignature
        b.putLE32(volumeID, at: 67)
        b.put(volumeLabel.bytes, at: 71)
        b.put(fileSystemType.prefix(8), at: 82)
        b.put(bootCode.prefix(Self.bootCodeSize), at: Self.bootCodeOffset)
        b[510] = 0x55
        b[511] = 0xAA
        return b
    }

    // MARK: - Derived layout (in this file system's sectors, relative to the boot sector)

    public var totalSectors: UInt32 { totalSectors16 != 0 ? UInt32(totalSectors16) : totalSectors32 }
    public var clusterSize: Int { Int(sectorsPerCluster) * Int(bytesPerSector) }
    /// First sector of FAT copy `index`.
    public func fatStartSector(copy index: Int) -> UInt64 {
        UInt64(reservedSectors) + UInt64(index) * UInt64(sectorsPerFAT)
    }
    /// First sector of cluster 2.
    public var dataStartSector: UInt64 { fatStartSector(copy: Int(fatCount)) }
    /// Data clusters (numbered 2 ..< 2 + clusterCount); 0 if the BPB leaves no room (decode rejects that).
    public var clusterCount: UInt32 {
        guard sectorsPerCluster != 0, UInt64(totalSectors) > dataStartSector else { return 0 }
        return UInt32(min((UInt64(totalSectors) - dataStartSector) / UInt64(sectorsPerCluster), 0x0FFF_FFF5))
    }
    /// Whether every FAT copy is kept identical (extended flags bit 7 clear).
    public var fatsAreMirrored: Bool { extendedFlags & 0x80 == 0 }
    /// The FAT drivers read: 0 when mirrored, else the one named in the extended flags.
    public var activeFAT: Int { fatsAreMirrored ? 0 : Int(extendedFlags & 0x0F) }
    /// Whether the volume ID, label and type fields are meaningful.
    public var hasExtendedSignature: Bool { bootSignature == 0x29 }

    /// The fields that disagree with `geometry`, each as a readable line; empty when the BPB is what `Formatter`
    /// would write for it.
    public func differences(from geometry: VolumeGeometry) -> [String] {
        var lines: [String] = []
        func check(_ name: String, _ found: some BinaryInteger, _ expected: some BinaryInteger) {
            if UInt64(found) != UInt64(expected) { lines.append("\(name): \(found) on disk, \(expected) expected") }
        }
        check("bytes per sector", bytesPerSector, VolumeGeometry.bytesPerSector)
        check("sectors per cluster", sectorsPerCluster, geometry.sectorsPerCluster)
        check("reserved sectors", reservedSectors, geometry.reservedSectors)
        check("number of FATs", fatCount, geometry.fatCount)
        check("sectors per FAT", sectorsPerFAT, geometry.sectorsPerFAT)
        check("total sectors", totalSectors, geometry.totalSectors)
        check("hidden sectors", hiddenSectors, geometry.partitionOffset / UInt64(VolumeGeometry.bytesPerSector))
        check("root cluster", rootCluster, VolumeGeometry.rootCluster)
        check("clusters", clusterCount, geometry.clusterCount)
        return lines
    }
}
