/// One of the four primary partition entries of an MBR (16 bytes at 446 + 16 × index).
public struct PartitionEntry: Hashable, Sendable {
    public static let size = 16
    /// FAT32 with LBA addressing, what Windows and the car expect for a FAT32 USB drive.
    public static let fat32LBA: UInt8 = 0x0C
    /// An unused slot.
    public static let empty = PartitionEntry(
        status: 0, first: CHSAddress(head: 0, sectorAndCylinderHigh: 0, cylinderLow: 0), type: 0,
        last: CHSAddress(head: 0, sectorAndCylinderHigh: 0, cylinderLow: 0), firstLBA: 0, sectorCount: 0)

    /// 0x80 = bootable ("active"), 0x00 = not. Anything else marks a corrupt table.
    public var status: UInt8
    public var first: CHSAddress
    /// The partition type (system ID), e.g. 0x0C for FAT32 LBA, 0x07 for exFAT/NTFS.
    public var type: UInt8
    public var last: CHSAddress
    public var firstLBA: UInt32
    public var sectorCount: UInt32

    public init(status: UInt8, first: CHSAddress, type: UInt8, last: CHSAddress, firstLBA: UInt32, sectorCount: UInt32) {
        self.status = status
        self.first = first
        self.type = type
        self.last = last
        self.firstLBA = firstLBA
        self.sectorCount = sectorCount
    }

    /// A partition of `type` covering `sectorCount` sectors from `firstLBA`, with CHS fields derived from `geometry`.
    public init(type: UInt8, firstLBA: UInt32, sectorCount: UInt32, bootable: Bool = false, geometry: CHSGeometry) {
        let lastLBA = sectorCount == 0 ? firstLBA : firstLBA &+ (sectorCount - 1)
        self.init(
            status: bootable ? 0x80 : 0, first: CHSAddress(lba: firstLBA, geometry: geometry), type: type,
            last: CHSAddress(lba: lastLBA, geometry: geometry), firstLBA: firstLBA, sectorCount: sectorCount)
    }

    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "MBR partition entry")
        self.init(
            status: b[0], first: try CHSAddress(decoding: b[1...3]), type: b[4],
            last: try CHSAddress(decoding: b[5...7]), firstLBA: b.le32(at: 8), sectorCount: b.le32(at: 12))
    }

    public func encoded() -> [UInt8] {
        var b = [status] + first.encoded() + [type] + last.encoded() + [UInt8](repeating: 0, count: 8)
        b.putLE32(firstLBA, at: 8)
        b.putLE32(sectorCount, at: 12)
        return b
    }

    public var isBootable: Bool { status == 0x80 }
    public var isEmpty: Bool { type == 0 }
    /// The first sector after the partition.
    public var endLBA: UInt64 { UInt64(firstLBA) + UInt64(sectorCount) }
}

/// A DOS master boot record: boot code, disk signature, four partition entries and the 0x55AA signature.
public struct MasterBootRecord: Hashable, Sendable {
    public static let size = 512
    public static let bootCodeSize = 440

    /// Bytes 0–439. Zero here: the drive is never booted from.
    public var bootCode: [UInt8]
    /// Bytes 440–443: the disk's identifier (Linux shows it as the `PTUUID`).
    public var diskSignature: UInt32
    /// Bytes 444–445: 0x0000, or 0x5A5A for "copy protected".
    public var reserved: UInt16
    /// Exactly four entries.
    public var partitions: [PartitionEntry]

    public init(
        bootCode: [UInt8] = [UInt8](repeating: 0, count: bootCodeSize), diskSignature: UInt32, reserved: UInt16 = 0,
        partitions: [PartitionEntry]
    ) {
        precondition(bootCode.count == Self.bootCodeSize, "MBR boot code is 440 bytes")
        precondition(partitions.count <= 4, "an MBR has four partition entries")
        self.bootCode = bootCode
        self.diskSignature = diskSignature
        self.reserved = reserved
        self.partitions = partitions + Array(repeating: .empty, count: 4 - partitions.count)
    }

    /// The MBR for a `.mbr` layout: one FAT32 LBA partition from `geometry.partitionOffset` over the file system.
    public init(geometry: VolumeGeometry, diskSignature: UInt32) {
        let chs = CHSGeometry(sectors: geometry.diskBytes / UInt64(VolumeGeometry.bytesPerSector))
        let partition = PartitionEntry(
            type: PartitionEntry.fat32LBA,
            firstLBA: UInt32(geometry.partitionOffset / UInt64(VolumeGeometry.bytesPerSector)),
            sectorCount: geometry.totalSectors, geometry: chs)
        self.init(diskSignature: diskSignature, partitions: [partition])
    }

    /// Decodes and checks the signature and entry status bytes. It does not reject a FAT boot sector (which also
    /// ends in 0x55AA) by itself; look at the partitions' plausibility for that.
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: Self.size, structure: "MBR")
        let signature = b.le16(at: 510)
        guard signature == 0xAA55 else {
            throw .missingSignature(structure: "MBR", offset: 510, found: UInt32(signature), expected: 0xAA55)
        }
        var partitions: [PartitionEntry] = []
        for index in 0..<4 {
            let entry = try PartitionEntry(decoding: b[(446 + 16 * index)...].prefix(16))
            guard entry.status == 0 || entry.status == 0x80 else {
                throw .invalidField(
                    structure: "MBR", field: "partition \(index + 1) status", value: UInt64(entry.status),
                    requirement: "it must be 0x00 or 0x80 (this sector is probably not a partition table)")
            }
            partitions.append(entry)
        }
        self.init(
            bootCode: b.bytes(at: 0, count: Self.bootCodeSize), diskSignature: b.le32(at: 440),
            reserved: b.le16(at: 444), partitions: partitions)
    }

    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        b.put(bootCode, at: 0)
        b.putLE32(diskSignature, at: 440)
        b.putLE16(reserved, at: 444)
        for (index, entry) in partitions.prefix(4).enumerated() { b.put(entry.encoded(), at: 446 + 16 * index) }
        b[510] = 0x55
        b[511] = 0xAA
        return b
    }
}
