import FAT32
import PropertyBased
import Testing

@Suite("LongNameEntry and LongName")
struct LongNameTests {
    static let checksum: UInt8 = 0x2F

    @Test("the TeslaCam entry, byte for byte as mtools and fsck.fat accept it")
    func teslaCamBytes() throws {
        let entries = try LongName.entries(for: "TeslaCam", shortName: ShortName("TESLACAM"))
        #expect(entries.count == 1)
        let expected: [UInt8] = [
            0x41, 0x54, 0x00, 0x65, 0x00, 0x73, 0x00, 0x6C, 0x00, 0x61, 0x00,  // 0x40|1, "Tesla"
            0x0F, 0x00, 0x2F,  // attributes, type, checksum
            0x43, 0x00, 0x61, 0x00, 0x6D, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,  // "Cam", NUL, padding
            0x00, 0x00,  // first cluster
            0xFF, 0xFF, 0xFF, 0xFF,  // padding
        ]
        #expect(entries[0].encoded() == expected)
        let decoded = try LongNameEntry(decoding: expected)
        #expect(decoded == entries[0])
        #expect(decoded.ordinal == 1 && decoded.isLast && !decoded.isDeleted)
        #expect(try LongName.assemble([decoded], checksum: 0x2F) == "TeslaCam")
    }

    static func name(_ count: Int) -> String {
        String((0..<count).map { Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
    }

    @Test("13-unit boundaries: terminator and padding only when the last part is short", arguments: [1, 12, 13, 14, 25, 26, 27, 254, 255])
    func boundaries(length: Int) throws {
        let name = Self.name(length)
        let entries = try LongName.entries(for: name, checksum: Self.checksum)
        let parts = (length + 12) / 13
        #expect(entries.count == parts)
        #expect(entries.first!.sequence == 0x40 | UInt8(parts))
        #expect(entries.map(\.ordinal) == Array((1...parts).reversed()))
        #expect(entries.dropFirst().allSatisfy { !$0.isLast })
        let units = entries.reversed().flatMap(\.units)
        #expect(Array(units.prefix(length)) == Array(name.utf16))
        if length % 13 == 0 {
            #expect(units.count == length)  // no terminator
        } else {
            #expect(units[length] == 0x0000)
            #expect(units[(length + 1)...].allSatisfy { $0 == 0xFFFF })
        }
        #expect(try LongName.assemble(entries, checksum: Self.checksum) == name)
    }

    @Test("255 units is the limit")
    func maximum() throws {
        #expect(try LongName.entries(for: Self.name(255), checksum: 0).count == 20)
        #expect(throws: FAT32Error.self) { try LongName.entries(for: Self.name(256), checksum: 0) }
        // 128 emoji are 256 UTF-16 units.
        #expect(throws: FAT32Error.self) { try LongName.entries(for: String(repeating: "🚗", count: 128), checksum: 0) }
    }

    @Test("non-ASCII names, surrogate pairs across entry boundaries", arguments: [
        "é", "Café Crème.mp4", "🚗", "abcdefghijkl🚗.mp4", "日本語のファイル名.txt", String(repeating: "é", count: 200),
        String(repeating: "😀", count: 127),
    ])
    func unicode(_ name: String) throws {
        let entries = try LongName.entries(for: name, checksum: 0x99)
        #expect(try LongName.assemble(entries, checksum: 0x99) == name)
        // Round-trips through bytes too.
        let decoded = try entries.map { try LongNameEntry(decoding: $0.encoded()) }
        #expect(try LongName.assemble(decoded, checksum: 0x99) == name)
    }

    @Test("the emoji is stored as a surrogate pair")
    func surrogatePair() throws {
        let entry = try LongName.entries(for: "🚗", checksum: 0)[0]
        #expect(Array(entry.units.prefix(3)) == [0xD83D, 0xDE97, 0x0000])
    }

    @Test("rejects names FAT cannot hold", arguments: ["", ".", "..", "a/b", "a\\b", "a:b", "a*b", "a?b", "a\"b", "a<b", "a>b", "a|b", "a\u{1}b"])
    func invalidNames(_ name: String) {
        #expect(throws: FAT32Error.self) { try LongName.entries(for: name, checksum: 0) }
    }

    @Test("detects a checksum mismatch")
    func checksumMismatch() throws {
        let entries = try LongName.entries(for: "RecentClips", checksum: 0x11)
        #expect(throws: FAT32Error.longNameChecksumMismatch(expected: 0x12, found: 0x11)) {
            try LongName.assemble(entries, checksum: 0x12)
        }
        var mixed = try LongName.entries(for: Self.name(30), checksum: 0x11)
        mixed[1].checksum = 0x22
        #expect(throws: FAT32Error.longNameChecksumMismatch(expected: 0x11, found: 0x22)) {
            try LongName.assemble(mixed, checksum: 0x11)
        }
    }

    @Test("rejects broken sequences")
    func badSequences() throws {
        let entries = try LongName.entries(for: Self.name(40), checksum: 1)  // 4 entries
        func rejects(_ run: [LongNameEntry], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(throws: FAT32Error.self, sourceLocation: sourceLocation) { try LongName.assemble(run, checksum: 1) }
        }
        rejects([])
        rejects(Array(entries.dropFirst()))  // no last flag
        rejects(Array(entries.dropLast()))  // ordinal 4 first but only 3 entries
        rejects([entries[0], entries[2], entries[1], entries[3]])
        rejects([entries[0], entries[1], entries[1], entries[3]])
        var deleted = entries
        deleted[2].sequence = 0xE5
        rejects(deleted)
        var doubleLast = entries
        doubleLast[1].sequence |= 0x40
        rejects(doubleLast)
        var zeroOrdinal = try LongName.entries(for: "x", checksum: 1)
        zeroOrdinal[0].sequence = 0x40
        rejects(zeroOrdinal)
        // A part that is all terminator: empty name.
        var empty = try LongName.entries(for: "x", checksum: 1)
        empty[0].units[0] = 0
        rejects(empty)
    }

    @Test("invalid UTF-16 becomes U+FFFD instead of trapping")
    func invalidUTF16() throws {
        var lone = try LongName.entries(for: "abc", checksum: 7)
        lone[0].units[1] = 0xD800  // lone high surrogate
        #expect(try LongName.assemble(lone, checksum: 7) == "a\u{FFFD}c")
        lone[0].units[1] = 0xDC00  // lone low surrogate
        #expect(try LongName.assemble(lone, checksum: 7) == "a\u{FFFD}c")
        lone[0].units[2] = 0xD83D  // high surrogate right before the terminator
        #expect(try LongName.assemble(lone, checksum: 7) == "a\u{FFFD}\u{FFFD}")
    }

    @Test("long-name entries round-trip through bytes; other slots are refused")
    func entryBytes() throws {
        let entry = LongNameEntry(sequence: 0x42, units: Array(0x100..<0x10D).map(UInt16.init), checksum: 0xAB)
        let bytes = entry.encoded()
        #expect(bytes[11] == 0x0F && bytes[12] == 0 && bytes[26] == 0 && bytes[27] == 0 && bytes[13] == 0xAB)
        #expect(try LongNameEntry(decoding: bytes) == entry)
        #expect(throws: FAT32Error.self) {
            try LongNameEntry(decoding: DirectoryEntry.dot(cluster: 3, date: .epoch).encoded())
        }
    }

    @Test("names round-trip through entries", .tags(.property))
    func roundTripProperty() async {
        let alphabet: [Character] = Array("aZ09 ._-~é€日本🚗😀ñ()[]{}+,;=") + ["\u{10FFFF}", "\u{E000}"]
        await propertyCheck(count: 300, input: Gen.element(of: alphabet).map { $0! }.string(of: 1...120), Gen.uint8()) {
            name, checksum in
            guard name.utf16.count <= 255, name != ".", name != ".." else { return }
            let entries = try LongName.entries(for: name, checksum: checksum)
            #expect(entries.count == (name.utf16.count + 12) / 13)
            #expect(try LongName.assemble(entries, checksum: checksum) == name)
        }
    }

    @Test("garbage runs never trap", .tags(.property))
    func garbageProperty() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 32).array(of: 1...21), Gen.uint8()) { slots, checksum in
            let entries = slots.map { bytes -> LongNameEntry in
                var bytes = bytes
                bytes[11] = 0x0F
                return try! LongNameEntry(decoding: bytes)
            }
            _ = try? LongName.assemble(entries, checksum: checksum)
            _ = Directory.records(in: slots.flatMap { $0 })
        }
    }
}

@Suite("Directory")
struct DirectoryTests {
    static let date = DOSDateTime(year: 2025, month: 6, day: 1)

    static func entry(_ name: String, cluster: UInt32 = 9) -> DirectoryEntry {
        DirectoryEntry(name: try! ShortName(name), attributes: .archive, firstCluster: cluster, size: 1, date: date)
    }

    @Test("records pair short entries with their long names")
    func records() throws {
        var bytes: [UInt8] = []
        let alias = ShortName.alias(for: "2025-06-01_12-34-56-front.mp4")
        bytes += try LongName.entries(for: "2025-06-01_12-34-56-front.mp4", shortName: alias.shortName).flatMap { $0.encoded() }
        bytes += DirectoryEntry(name: alias.shortName, attributes: .archive, firstCluster: 10, size: 5, date: Self.date).encoded()
        bytes += Self.entry("PLAIN.TXT").encoded()
        // An orphaned long name (its checksum names another entry): the short name stands.
        bytes += try LongName.entries(for: "orphan name", checksum: 0x00).flatMap { $0.encoded() }
        bytes += Self.entry("ORPHAN~1").encoded()
        // A deleted entry with its long name.
        var deletedParts = try LongName.entries(for: "gone", shortName: ShortName("GONE"))
        deletedParts[0].sequence = 0xE5
        bytes += deletedParts.flatMap { $0.encoded() }
        var gone = Self.entry("GONE")
        gone.markDeleted()
        bytes += gone.encoded()
        bytes += Self.entry("LAST").encoded()
        bytes += [UInt8](repeating: 0, count: 32)  // end of directory
        bytes += Self.entry("HIDDEN").encoded()  // after the end: not listed

        let records = Directory.records(in: bytes)
        #expect(records.map(\.name) == ["2025-06-01_12-34-56-front.mp4", "PLAIN.TXT", "ORPHAN~1", "LAST"])
        #expect(records[0].firstSlot == 0 && records[0].slot == 3 && records[0].entry.firstCluster == 10)
        #expect(records[1].firstSlot == 4 && records[1].slot == 4)
        #expect(records[2].longName == nil)
    }

    @Test("slot classification")
    func slots() throws {
        #expect(try DirectorySlot(decoding: [UInt8](repeating: 0, count: 32)) == .end)
        var gone = Self.entry("A")
        gone.markDeleted()
        #expect(try DirectorySlot(decoding: gone.encoded()) == .deleted)
        let part = try LongName.entries(for: "abc", checksum: 1)[0]
        #expect(try DirectorySlot(decoding: part.encoded()) == .longName(part))
        #expect(try DirectorySlot(decoding: Self.entry("B").encoded()) == .entry(Self.entry("B")))
    }
}
