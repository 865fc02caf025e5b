/// A legacy cylinder/head/sector disk geometry. Nothing reads it on an LBA disk, but the BPB and MBR have fields
/// for it and tools print them, so they are filled in the way `mkfs.fat` would.
public struct CHSGeometry: Hashable, Sendable {
    public var heads: UInt16
    public var sectorsPerTrack: UInt16

    public init(heads: UInt16, sectorsPerTrack: UInt16) {
        self.heads = heads
        self.sectorsPerTrack = sectorsPerTrack
    }

    /// The geometry `mkfs.fat` 4.x invents for an image of `sectors` 512-byte sectors when the device reports none:
    /// the SD-card recommendation below 256 MiB, LBA-assist translation above.
    public init(sectors: UInt64) {
        if sectors <= 524_288 {
            heads = sectors <= 32_768 ? 2 : sectors <= 65_536 ? 4 : sectors <= 262_144 ? 8 : 16
            sectorsPerTrack = sectors <= 4_096 ? 16 : 32
        } else {
            let track: UInt64 = 63 * 1_024
            heads = sectors <= 16 * track ? 16 : sectors <= 32 * track ? 32 : sectors <= 64 * track ? 64
                : sectors <= 128 * track ? 128 : 255
            sectorsPerTrack = 63
        }
    }
}

/// A cylinder/head/sector address as an MBR partition entry stores it (3 bytes).
public struct CHSAddress: Hashable, Sendable, CustomStringConvertible {
    /// Byte 0: the head.
    public var head: UInt8
    /// Byte 1: sector (1-based) in bits 0–5, cylinder bits 8–9 in bits 6–7.
    public var sectorAndCylinderHigh: UInt8
    /// Byte 2: cylinder bits 0–7.
    public var cylinderLow: UInt8

    /// The conventional address for a sector that CHS cannot reach (cylinder 1023, head 254, sector 63).
    public static let beyondReach = CHSAddress(head: 0xFE, sectorAndCylinderHigh: 0xFF, cylinderLow: 0xFF)

    public init(head: UInt8, sectorAndCylinderHigh: UInt8, cylinderLow: UInt8) {
        self.head = head
        self.sectorAndCylinderHigh = sectorAndCylinderHigh
        self.cylinderLow = cylinderLow
    }

    /// The address of `lba` under `geometry`, or `beyondReach` past cylinder 1023.
    public init(lba: UInt32, geometry: CHSGeometry) {
        let spt = UInt32(max(geometry.sectorsPerTrack, 1))
        let heads = UInt32(max(geometry.heads, 1))
        let cylinder = lba / (spt * heads)
        guard cylinder <= 1023 else {
            self = .beyondReach
            return
        }
        let head = (lba / spt) % heads
        let sector = lba % spt + 1
        self.init(
            head: UInt8(truncatingIfNeeded: head),
            sectorAndCylinderHigh: UInt8(truncatingIfNeeded: sector | (cylinder >> 8) << 6),
            cylinderLow: UInt8(truncatingIfNeeded: cylinder))
    }

    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let b = try prefixBytes(bytes, count: 3, structure: "CHS address")
        self.init(head: b[0], sectorAndCylinderHigh: b[1], cylinderLow: b[2])
    }

    public func encoded() -> [UInt8] { [head, sectorAndCylinderHigh, cylinderLow] }

    public var cylinder: Int { Int(cylinderLow) | Int(sectorAndCylinderHigh >> 6) << 8 }
    public var sector: Int { Int(sectorAndCylinderHigh & 0x3F) }

    public var description: String { "C\(cylinder)/H\(head)/S\(sector)" }
}
