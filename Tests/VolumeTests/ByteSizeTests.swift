import Testing
import Volume

@Suite struct ByteSizeTests {
    static let examples: [(String, UInt64)] = [
        ("2G", 2 << 30), ("64G", 64 << 30), ("128g", 128 << 30), ("512M", 512 << 20), ("1T", 1 << 40),
        ("30GiB", 30 << 30), ("4096", 4096), (" 8K ", 8192), ("16MB", 16 << 20),
    ]

    @Test(arguments: examples)
    func parses(text: String, bytes: UInt64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["", "G", "12X", "-1G", "1.5G", "99999999999999999999T", "1GG"])
    func rejects(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    @Test func printsTheLargestWholeUnit() {
        #expect(ByteSize(bytes: 30 << 30).description == "30G")
        #expect(ByteSize(bytes: 1536 << 20).description == "1536M")
        #expect(ByteSize(bytes: 1000).description == "1000")
    }
}
