/// One 32-bit FAT32 table entry. Only the low 28 bits mean anything; the top 4 are reserved and must be kept
/// as found when the entry is rewritten.
public struct FATEntry: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
    public static let mask: UInt32 = 0x0FFF_FFFF
    /// A free cluster.
    public static let free = FATEntry(rawValue: 0)
    /// A cluster marked bad by a surface scan; never allocated.
    public static let bad = FATEntry(rawValue: 0x0FFF_FFF7)
    /// The end-of-chain value Linux writes (any value ≥ 0x0FFFFFF8 ends a chain).
    public static let endOfChain = FATEntry(rawValue: 0x0FFF_FFFF)
    /// The smallest value that ends a chain.
    public static let endOfChainMinimum: UInt32 = 0x0FFF_FFF8

    /// The 32 bits as stored.
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An entry pointing to `cluster` (top bits zero).
    public static func next(_ cluster: UInt32) -> FATEntry { FATEntry(rawValue: cluster & mask) }

    /// The 28-bit value.
    public var value: UInt32 { rawValue & Self.mask }

    /// What the entry says about its cluster.
    public enum Kind: Hashable, Sendable {
        case free
        /// The chain continues at this cluster (not yet checked against the volume's cluster count).
        case next(UInt32)
        /// 1, or 0x0FFFFFF0...0x0FFFFFF6: values no chain may contain.
        case reserved
        case bad
        case endOfChain
    }

    public var kind: Kind {
        switch value {
        case 0: return .free
        case 1: return .reserved
        case 2..<0x0FFF_FFF0: return .next(value)
        case 0x0FFF_FFF0..<0x0FFF_FFF7: return .reserved
        case 0x0FFF_FFF7: return .bad
        default: return .endOfChain
        }
    }

    public var isFree: Bool { value == 0 }
    public var isEndOfChain: Bool { value >= Self.endOfChainMinimum }
    public var isBad: Bool { value == Self.bad.value }

    /// This entry with its 28-bit value replaced by `value`'s and its reserved top 4 bits kept.
    public func replacingValue(with value: UInt32) -> FATEntry {
        FATEntry(rawValue: rawValue & ~Self.mask | value & Self.mask)
    }

    public var description: String {
        switch kind {
        case .free: return "free"
        case let .next(cluster): return "next \(cluster)"
        case .reserved: return "reserved value \(hex(value))"
        case .bad: return "bad cluster"
        case .endOfChain: return "end of chain"
        }
    }
}
