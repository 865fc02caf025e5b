/// What one 32-byte slot of a directory holds.
public enum DirectorySlot: Hashable, Sendable {
    /// First byte 0x00: this slot and all later ones are unused.
    case end
    /// First byte 0xE5: a deleted short or long-name entry.
    case deleted
    case longName(LongNameEntry)
    case entry(DirectoryEntry)

    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        let entry = try DirectoryEntry(decoding: bytes)
        if entry.isEndOfDirectory {
            self = .end
        } else if entry.isDeleted {
            self = .deleted
        } else if entry.isLongName {
            self = .longName(try LongNameEntry(decoding: entry.encoded()))
        } else {
            self = .entry(entry)
        }
    }
}

/// A short entry found in a directory, with the long name that precedes it if that long name is intact.
public struct DirectoryRecord: Hashable, Sendable {
    public var entry: DirectoryEntry
    /// The long name, or nil if there is none or its entries are orphaned, out of order or mismatched (then the
    /// short name is the name, as Windows and Linux do).
    public var longName: String?
    /// Slot index (0-based, in the bytes parsed) of the short entry.
    public var slot: Int
    /// Slot index of the first long-name entry; `slot` when there is no long name.
    public var firstSlot: Int

    public init(entry: DirectoryEntry, longName: String?, slot: Int, firstSlot: Int) {
        self.entry = entry
        self.longName = longName
        self.slot = slot
        self.firstSlot = firstSlot
    }

    /// The long name if there is one, else the short name with its case flags applied.
    public var name: String { longName ?? entry.displayName }
}

/// Reading directory contents.
public enum Directory {
    /// The short entries (including the volume label and `.`/`..`; filter on the entry's attributes) in the
    /// directory bytes `bytes` (its clusters in chain order, concatenated), up to the end marker. Deleted
    /// slots are skipped. Never fails: broken long names leave `longName` nil, a trailing partial slot is ignored.
    public static func records(in bytes: some Collection<UInt8>) -> [DirectoryRecord] {
        let b = Array(bytes)
        var records: [DirectoryRecord] = []
        var run: [LongNameEntry] = []
        var runStart = 0
        for slot in 0..<b.count / DirectoryEntry.size {
            let offset = slot * DirectoryEntry.size
            guard let kind = try? DirectorySlot(decoding: b[offset..<offset + DirectoryEntry.size]) else { continue }
            switch kind {
            case .end:
                return records
            case .deleted:
                run.removeAll()
            case let .longName(part):
                if part.isLast {
                    run = [part]
                    runStart = slot
                } else if let previous = run.last, part.ordinal == previous.ordinal - 1,
                    part.checksum == previous.checksum
                {
                    run.append(part)
                } else {
                    run.removeAll()
                }
            case let .entry(entry):
                let longName = run.isEmpty ? nil : try? LongName.assemble(run, checksum: entry.name.checksum)
                records.append(
                    DirectoryRecord(
                        entry: entry, longName: longName, slot: slot, firstSlot: longName == nil ? slot : runStart))
                run.removeAll()
            }
        }
        return records
    }
}
