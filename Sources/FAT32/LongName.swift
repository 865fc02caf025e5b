/// Splitting a long name into VFAT long-name entries and putting it back together.
public enum LongName {
    /// The most UTF-16 code units a long name may have.
    public static let maximumLength = 255

    /// Checks that `name` can be stored as a long name: 1–255 UTF-16 units, not `.` or `..`, no control characters
    /// and none of `" * / : < > ? \ |`.
    public static func validate(_ name: String) throws(FAT32Error) {
        let count = name.utf16.count
        guard count > 0 else { throw .invalidLongName(name: name, reason: "it is empty") }
        guard count <= maximumLength else {
            throw .invalidLongName(name: name, reason: "it has \(count) UTF-16 units; at most 255 fit")
        }
        guard name != "." && name != ".." else {
            throw .invalidLongName(name: name, reason: "\".\" and \"..\" are reserved")
        }
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || "\"*/:<>?\\|".unicodeScalars.contains(scalar) {
                let shown = scalar.value < 0x20 ? "U+" + String(scalar.value, radix: 16) : String(scalar)
                throw .invalidLongName(name: name, reason: "\(shown) is not allowed in FAT names")
            }
        }
    }

    /// The long-name entries for `name` in on-disk order (the last part, flagged 0x40, first; part 1 right before
    /// the short entry), each carrying `checksum`.
    ///
    /// The name is stored as UTF-16 (characters outside the BMP become surrogate pairs, as Windows and Linux write
    /// them). A last part shorter than 13 units is terminated by 0x0000 and padded with 0xFFFF; a name that fills
    /// its last part exactly has no terminator.
    public static func entries(for name: String, checksum: UInt8) throws(FAT32Error) -> [LongNameEntry] {
        try validate(name)
        var units = Array(name.utf16)
        let partCount = (units.count + LongNameEntry.unitsPerEntry - 1) / LongNameEntry.unitsPerEntry
        if units.count < partCount * LongNameEntry.unitsPerEntry {
            units.append(0x0000)
            units += Array(repeating: 0xFFFF, count: partCount * LongNameEntry.unitsPerEntry - units.count)
        }
        return (1...partCount).reversed().map { ordinal in
            let start = (ordinal - 1) * LongNameEntry.unitsPerEntry
            return LongNameEntry(
                sequence: UInt8(ordinal) | (ordinal == partCount ? LongNameEntry.lastFlag : 0),
                units: Array(units[start..<start + LongNameEntry.unitsPerEntry]), checksum: checksum)
        }
    }

    /// The long-name entries for `name` belonging to the short entry `shortName`.
    public static func entries(for name: String, shortName: ShortName) throws(FAT32Error) -> [LongNameEntry] {
        try entries(for: name, checksum: shortName.checksum)
    }

    /// Reassembles a name from a run of long-name entries in on-disk order, verifying the run against the short
    /// entry that follows it (`checksum` is that entry's `ShortName.checksum`).
    ///
    /// Throws for an empty run, a first entry without the last flag, ordinals that do not count down to 1, a
    /// checksum mismatch, or a name that is empty or longer than 255 units. Never traps: invalid UTF-16 (lone
    /// surrogates) becomes U+FFFD.
    public static func assemble(
        _ entries: some Collection<LongNameEntry>, checksum: UInt8
    ) throws(FAT32Error) -> String {
        guard let first = entries.first else { throw .longNameSequence(reason: "no long-name entries") }
        guard first.isLast else {
            throw .longNameSequence(reason: "the first entry (sequence \(hex(first.sequence))) lacks the 0x40 last flag")
        }
        guard first.ordinal == entries.count, (1...LongNameEntry.maximumOrdinal).contains(first.ordinal) else {
            throw .longNameSequence(
                reason: "the first entry has ordinal \(first.ordinal) but the run has \(entries.count) entries")
        }
        var expected = first.ordinal
        for entry in entries {
            let flagOK = (entry.sequence & LongNameEntry.lastFlag != 0) == (expected == first.ordinal)
            guard entry.ordinal == expected, flagOK, !entry.isDeleted, entry.sequence & 0xA0 == 0 else {
                throw .longNameSequence(
                    reason: "expected ordinal \(expected), found sequence byte \(hex(entry.sequence))")
            }
            guard entry.checksum == checksum else {
                throw .longNameChecksumMismatch(expected: checksum, found: entry.checksum)
            }
            expected -= 1
        }
        var units: [UInt16] = []
        units.reserveCapacity(entries.count * LongNameEntry.unitsPerEntry)
        for entry in entries.reversed() { units += entry.units }
        if let end = units.firstIndex(of: 0) { units.removeSubrange(end...) }
        guard !units.isEmpty else { throw .longNameSequence(reason: "the name is empty") }
        guard units.count <= maximumLength else {
            throw .longNameSequence(reason: "the name has \(units.count) UTF-16 units; at most 255 are allowed")
        }
        return String(decoding: units, as: UTF16.self)
    }
}
