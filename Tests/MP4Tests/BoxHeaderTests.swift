import MP4
import Testing

@Suite("BoxHeader and scanning")
struct BoxHeaderTests {
    @Test("parses a 32-bit size")
    func compact() throws {
        let header = try BoxHeader(parsing: [0, 0, 0, 0x20] + Array("ftyp".utf8))
        #expect(header.type == "ftyp" && header.size == .bytes(32) && header.length == 8)
    }

    @Test("parses a 64-bit largesize")
    func large() throws {
        let bytes: [UInt8] = [0, 0, 0, 1] + Array("mdat".utf8) + [0, 0, 0, 1, 0, 0, 0, 0x10]
        let header = try BoxHeader(parsing: bytes)
        #expect(header.type == "mdat" && header.size == .bytes(0x1_0000_0010) && header.length == 16)
        #expect(header.encoded == bytes)
    }

    @Test("size 0 means to the end")
    func toEnd() throws {
        let header = try BoxHeader(parsing: [0, 0, 0, 0] + Array("mdat".utf8))
        #expect(header.size == .toEnd)
    }

    @Test("rejects sizes smaller than the header and short input")
    func invalid() {
        #expect(throws: MP4Error.sizeSmallerThanHeader(type: "free", offset: 5, size: 7, headerLength: 8)) {
            try BoxHeader(parsing: [0, 0, 0, 7] + Array("free".utf8), offset: 5)
        }
        #expect(throws: MP4Error.sizeSmallerThanHeader(type: "mdat", offset: 0, size: 15, headerLength: 16)) {
            try BoxHeader(parsing: [0, 0, 0, 1] + Array("mdat".utf8) + [0, 0, 0, 0, 0, 0, 0, 15])
        }
        #expect(throws: MP4Error.headerTooShort(offset: 0, needed: 8, available: 5)) {
            try BoxHeader(parsing: [0, 0, 0, 8, 0x66])
        }
        #expect(throws: MP4Error.headerTooShort(offset: 0, needed: 16, available: 12)) {
            try BoxHeader(parsing: [0, 0, 0, 1] + Array("mdat".utf8) + [0, 0, 0, 0])
        }
    }

    @Test("garbage four-character codes print readably")
    func fourCCDescription() {
        #expect(FourCC(rawValue: 0x6674_7970).description == "ftyp")
        #expect(FourCC(rawValue: 0x0001_7F41).description == "\\x00\\x01\\x7FA")
    }

    @Test("scan lists boxes that tile the file")
    func scan() {
        let file = MP4Builder.file()
        let scan = MP4.scanBoxes(fileSize: UInt64(file.count)) { offset, count in
            Array(file[Int(offset)..<min(Int(offset) + count, file.count)])
        }
        #expect(scan.isComplete)
        #expect(scan.boxes.map(\.type) == ["ftyp", "mdat", "moov"])
        #expect(scan.boxes.last?.end == UInt64(file.count))
    }

    @Test("scan reports a box running past the end as truncated, keeping it")
    func truncated() {
        let file = Array(MP4Builder.file().prefix(500))
        let scan = MP4.scanBoxes(fileSize: UInt64(file.count)) { offset, count in
            Array(file[Int(offset)..<min(Int(offset) + count, file.count)])
        }
        #expect(scan.boxes.map(\.type) == ["ftyp", "mdat"])
        guard case let .truncatedBox(type, _, _, available)? = scan.problem else {
            Issue.record("expected truncatedBox, got \(String(describing: scan.problem))")
            return
        }
        #expect(type == "mdat" && available == UInt64(500 - 24))
        #expect(scan.first("mdat") == nil)
    }

    @Test("scan stops at the box limit")
    func limit() {
        let file = [UInt8](repeating: 0, count: 0) + (0..<50).flatMap { _ in MP4Builder.box("free") }
        let scan = MP4.scanBoxes(fileSize: UInt64(file.count), limit: 10) { offset, count in
            Array(file[Int(offset)..<min(Int(offset) + count, file.count)])
        }
        #expect(scan.boxes.count == 10)
        #expect(scan.problem == .tooManyBoxes(offset: 80, limit: 10))
    }

    @Test("scan reports a short read instead of trusting the file size")
    func shortRead() {
        let file = MP4Builder.file()
        let scan = MP4.scanBoxes(fileSize: UInt64(file.count) + 100) { offset, count in
            Array(file[min(Int(offset), file.count)..<min(Int(offset) + count, file.count)])
        }
        #expect(scan.boxes.count == 3)
        #expect(scan.problem == .shortRead(offset: UInt64(file.count), requested: 16, got: 0))
    }
}
