import FAT32
import Testing

@Suite("ShortName")
struct ShortNameTests {
    @Test("parses 8.3 names into padded bytes")
    func parse() throws {
        #expect(try ShortName("README.TXT").bytes == Array("README  TXT".utf8))
        #expect(try ShortName("readme.txt").bytes == Array("README  TXT".utf8))
        #expect(try ShortName("TESLACAM").bytes == Array("TESLACAM   ".utf8))
        #expect(try ShortName("A.B").description == "A.B")
        #expect(try ShortName("12345678.123").base == "12345678")
        #expect(try ShortName(".") == .dot)
        #expect(try ShortName("..") == .dotDot)
    }

    @Test("rejects what is not an 8.3 name", arguments: ["", "123456789", "A.1234", ".HIDDEN", "A B", "A+B", "É.TXT", "A.B.C", "NAME."])
    func rejects(_ name: String) {
        #expect(throws: FAT32Error.self) { try ShortName(name) }
    }

    @Test("checksum matches the one mtools and fsck.fat accept for TESLACAM")
    func checksum() throws {
        #expect(try ShortName("TESLACAM").checksum == 0x2F)
        // The checksum covers the on-disk bytes (0xE5 stored as 0x05).
        var bytes = [UInt8]("X       TXT".utf8)
        bytes[0] = 0xE5
        var onDisk = bytes
        onDisk[0] = 0x05
        let name = try ShortName(bytes: bytes)
        #expect(name.onDiskBytes == onDisk)
        #expect(try ShortName(onDisk: onDisk) == name)
        var sum: UInt8 = 0
        for byte in onDisk { sum = (sum & 1) << 7 &+ (sum >> 1) &+ byte }
        #expect(name.checksum == sum)
    }

    @Test("display names apply the case flags")
    func display() throws {
        let name = try ShortName("README.TXT")
        #expect(name.displayName(caseFlags: []) == "README.TXT")
        #expect(name.displayName(caseFlags: .lowercaseBase) == "readme.TXT")
        #expect(name.displayName(caseFlags: [.lowercaseBase, .lowercaseExtension]) == "readme.txt")
    }

    struct AliasCase: Sendable, CustomTestStringConvertible {
        var longName: String
        var alias: String
        var flags: CaseFlags
        var needsLongName: Bool
        var testDescription: String { "\(longName) → \(alias)" }
    }

    @Test(
        "aliases as Linux vfat makes them",
        arguments: [
            AliasCase(longName: "TeslaCam", alias: "TESLACAM", flags: [], needsLongName: true),
            AliasCase(longName: "TESLACAM", alias: "TESLACAM", flags: [], needsLongName: false),
            AliasCase(longName: "readme.txt", alias: "README.TXT", flags: [.lowercaseBase, .lowercaseExtension], needsLongName: false),
            AliasCase(longName: "readme.TXT", alias: "README.TXT", flags: .lowercaseBase, needsLongName: false),
            AliasCase(longName: "event.json", alias: "EVENT~1.JSO", flags: [], needsLongName: true),
            AliasCase(longName: "thumb.png", alias: "THUMB.PNG", flags: [.lowercaseBase, .lowercaseExtension], needsLongName: false),
            AliasCase(longName: "Long File Name.mp4", alias: "LONGFI~1.MP4", flags: [], needsLongName: true),
            AliasCase(longName: "2025-06-01_12-34-56-front.mp4", alias: "2025-0~1.MP4", flags: [], needsLongName: true),
            AliasCase(longName: ".bashrc", alias: "BASHRC~1", flags: [], needsLongName: true),
            AliasCase(longName: "a+b.txt", alias: "A_B~1.TXT", flags: [], needsLongName: true),
            AliasCase(longName: "café.txt", alias: "CAF_~1.TXT", flags: [], needsLongName: true),
            AliasCase(longName: "archive.tar.gz", alias: "ARCHIV~1.GZ", flags: [], needsLongName: true),
            AliasCase(longName: "x.jpeg", alias: "X~1.JPE", flags: [], needsLongName: true),
            AliasCase(longName: "RecentClips", alias: "RECENT~1", flags: [], needsLongName: true),
        ])
    func alias(_ c: AliasCase) {
        let alias = ShortName.alias(for: c.longName)
        #expect(alias.shortName.description == c.alias)
        #expect(alias.caseFlags == c.flags)
        #expect(alias.needsLongName == c.needsLongName)
    }

    @Test("numeric tails skip names already taken, shortening the base as they grow")
    func tails() throws {
        var taken: Set<ShortName> = []
        for _ in 0..<12 {
            let alias = ShortName.alias(for: "Long File Name.mp4") { taken.contains($0) }
            taken.insert(alias.shortName)
        }
        let names = Set(taken.map(\.description))
        #expect(names.contains("LONGFI~1.MP4") && names.contains("LONGFI~9.MP4") && names.contains("LONGF~10.MP4"))
        #expect(names.count == 12)
        // A lossless name that is taken falls back to a tail.
        let alias = ShortName.alias(for: "readme.txt") { $0 == (try? ShortName("README.TXT")) }
        #expect(alias.shortName.description == "README~1.TXT" && alias.needsLongName)
    }
}
