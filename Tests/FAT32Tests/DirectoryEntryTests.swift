import FAT32
import PropertyBased
import Testing

@Suite("DirectoryEntry")
struct DirectoryEntryTests {
    static let date = DOSDateTime(year: 2025, month: 6, day: 1, hour: 12, minute: 34, second: 56)

    @Test("decodes known-good bytes field by field")
    func known() throws {
        // The TESLACAM directory entry of a formatted volume, cluster 0x00012345 to exercise both halves.
        let bytes: [UInt8] = [
            0x54, 0x45, 0x53, 0x4C, 0x41, 0x43, 0x41, 0x4D, 0x20, 0x20, 0x20,  // "TESLACAM   "
            0x10,  // directory
            0x08,  // lowercase base
            0x64,  // creation fine: 100 × 10 ms
            0x5C, 0x64, 0xC1, 0x5A,  // created 12:34:56, 2025-06-01
            0xC1, 0x5A,  // accessed 2025-06-01
            0x01, 0x00,  // cluster high
            0x5C, 0x64, 0xC1, 0x5A,  // modified
            0x45, 0x23,  // cluster low
            0x78, 0x56, 0x34, 0x12,  // size
        ]
        let entry = try DirectoryEntry(decoding: bytes)
        #expect(entry.name.description == "TESLACAM")
        #expect(entry.attributes == .directory && entry.isDirectory)
        #expect(entry.caseFlags == .lowercaseBase)
        #expect(entry.displayName == "teslacam")
        #expect(entry.creationTimeFine == 100)
        #expect(entry.created == Self.date && entry.modified == Self.date)
        #expect(entry.accessDate == Self.date.date)
        #expect(entry.firstCluster == 0x0001_2345)
        #expect(entry.size == 0x1234_5678)
        #expect(entry.encoded() == bytes)
        #expect(!entry.isFree && !entry.isLongName && !entry.isVolumeLabel && !entry.isDotEntry)
    }

    @Test("builds entries for files, labels and dot entries")
    func builders() throws {
        let file = DirectoryEntry(
            name: try ShortName("CLIP.MP4"), attributes: .archive, firstCluster: 0x0ABC_DEF0, size: 42, date: Self.date)
        let bytes = file.encoded()
        #expect(Array(bytes[0..<11]) == Array("CLIP    MP4".utf8))
        #expect(Array(bytes[20..<22]) == [0xBC, 0x0A] && Array(bytes[26..<28]) == [0xF0, 0xDE])
        #expect(try DirectoryEntry(decoding: bytes) == file)

        let label = DirectoryEntry.volumeLabel(.teslaCam, date: Self.date)
        #expect(label.isVolumeLabel && !label.isDirectory && label.attributes.rawValue == 0x08)
        #expect(Array(label.encoded()[0..<11]) == Array("TESLACAM   ".utf8))

        let dot = DirectoryEntry.dot(cluster: 3, date: Self.date)
        let dotDot = DirectoryEntry.dotDot(parentCluster: 0, date: Self.date)
        #expect(dot.isDotEntry && dotDot.isDotEntry && dot.isDirectory)
        #expect(Array(dot.encoded()[0..<11]) == Array(".          ".utf8))
        #expect(Array(dotDot.encoded()[0..<11]) == Array("..         ".utf8))
        #expect(dot.firstCluster == 3 && dotDot.firstCluster == 0)
    }

    @Test("deleted, end-of-directory and 0x05 markers")
    func markers() throws {
        var entry = DirectoryEntry(name: try ShortName("A.TXT"), attributes: .archive, firstCluster: 5, date: Self.date)
        entry.markDeleted()
        #expect(entry.isDeleted && entry.isFree && !entry.isEndOfDirectory)
        #expect(entry.encoded()[0] == 0xE5)
        #expect(try DirectoryEntry(decoding: [UInt8](repeating: 0, count: 32)).isEndOfDirectory)

        // A real name starting with byte 0xE5 is stored as 0x05.
        var kanji = [UInt8]("X       TXT".utf8)
        kanji[0] = 0xE5
        entry.name = try ShortName(bytes: kanji)
        #expect(entry.rawName[0] == 0x05)
        #expect(!entry.isDeleted)
        #expect(entry.name.bytes[0] == 0xE5)
        #expect(try DirectoryEntry(decoding: entry.encoded()).name.bytes == kanji)
    }

    @Test("attribute helpers")
    func attributes() {
        #expect(FileAttributes.longName.rawValue == 0x0F && FileAttributes.longName.isLongName)
        #expect(FileAttributes(rawValue: 0xCF).isLongName)  // high bits ignored
        #expect(!FileAttributes([.readOnly, .hidden]).isLongName)
        #expect(FileAttributes.volumeLabel.rawValue == 0x08 && FileAttributes.directory.rawValue == 0x10)
        #expect(CaseFlags.lowercaseBase.rawValue == 0x08 && CaseFlags.lowercaseExtension.rawValue == 0x10)
    }

    @Test("any 32 bytes decode and encode back unchanged", .tags(.property))
    func bytesRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 32)) { bytes in
            let entry = try DirectoryEntry(decoding: bytes)
            #expect(entry.encoded() == bytes)
            #expect(try DirectoryEntry(decoding: entry.encoded()) == entry)
            // Classification never traps either.
            _ = try DirectorySlot(decoding: bytes)
            _ = entry.displayName
        }
    }

    @Test("entries built from fields round-trip", .tags(.property))
    func fieldsRoundTrip() async {
        let names = Gen.element(of: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~!")).map { $0! }.string(of: 1...8)
        let extensions = Gen.element(of: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")).map { $0! }.string(of: 0...3)
        let dates = zip(Gen.int(in: 1980...2107), Gen.int(in: 1...12), Gen.int(in: 1...28))
        let times = zip(Gen.int(in: 0...23), Gen.int(in: 0...59), Gen.int(in: 0...59))
        await propertyCheck(
            input: zip(names, extensions), zip(dates, times), Gen.uint32(in: 0...0x0FFF_FFFF),
            zip(Gen.uint32(), Gen.uint8(in: 0...0x3F), Gen.bool)
        ) { name, stamp, cluster, rest in
            let shortName = try ShortName(name.1.isEmpty ? name.0 : name.0 + "." + name.1)
            let ((y, mo, d), (h, mi, s)) = stamp
            let date = DOSDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
            let (size, attributes, lower) = rest
            var entry = DirectoryEntry(
                name: shortName, attributes: FileAttributes(rawValue: attributes),
                caseFlags: lower ? [.lowercaseBase, .lowercaseExtension] : [], firstCluster: cluster, size: size,
                date: date)
            entry.creationTimeFine = UInt8(s % 2 * 100)
            let decoded = try DirectoryEntry(decoding: entry.encoded())
            #expect(decoded == entry)
            #expect(decoded.name == shortName)
            #expect(decoded.modified.second == s / 2 * 2)
            #expect(decoded.firstCluster == cluster && decoded.size == size)
            if lower { #expect(decoded.displayName == shortName.description.lowercased()) }
        }
    }

    @Test("short input is an error, not a trap")
    func truncated() {
        #expect(throws: FAT32Error.truncated(structure: "directory entry", needed: 32, got: 31)) {
            try DirectoryEntry(decoding: [UInt8](repeating: 0x41, count: 31))
        }
    }
}
