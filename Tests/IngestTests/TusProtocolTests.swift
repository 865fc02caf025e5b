import Foundation
import Ingest
import Testing

@Suite struct TusProtocolTests {
    static func metadata(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
    }
    static let sha = String(repeating: "ab", count: 32)

    func status(_ body: () throws(TusError) -> Void) -> Int {
        do { try body(); return 0 } catch { return error.status }
    }

    @Test func metadataCarriesPathKindShaAndEventFields() throws {
        let header = Self.metadata([("path", "TeslaCam/SentryClips/2026-11-30_10-00-00/front.mp4"), ("kind", "sentry"),
                                    ("sha256", Self.sha), ("event.reason", "sentry_aware_object_detection"), ("empty", "")])
        let metadata = try UploadMetadata(header: header + ",flag")
        #expect(metadata.path.value == "TeslaCam/SentryClips/2026-11-30_10-00-00/front.mp4")
        #expect(metadata.kind == .sentry && metadata.sha256 == Self.sha)
        #expect(metadata.eventFields == ["event.reason": "sentry_aware_object_detection", "empty": "", "flag": ""])
    }

    @Test func pathTraversalAndBadMetadataAre400() {
        for path in ["../other-device/x.mp4", "TeslaCam/../../x", "/etc/passwd", "TeslaCam//x", "TeslaCam/./x", "a\\b", "a\nb", ""] {
            let header = Self.metadata([("path", path), ("kind", "saved"), ("sha256", Self.sha)])
            #expect(status { () throws(TusError) in _ = try UploadMetadata(header: header) } == 400, "path \(path)")
        }
        let big = Self.metadata([("path", "TeslaCam/x"), ("kind", "saved"), ("sha256", Self.sha), ("pad", String(repeating: "x", count: 4000))])
        #expect(status { () throws(TusError) in _ = try UploadMetadata(header: big) } == 400)
        for header in [nil, "", "path", "path !!!notbase64", Self.metadata([("path", "x"), ("kind", "alerts"), ("sha256", Self.sha)]),
                       Self.metadata([("path", "x"), ("kind", "saved"), ("sha256", "abc")]),
                       Self.metadata([("path", "x"), ("path", "y"), ("kind", "saved"), ("sha256", Self.sha)])] {
            #expect(status { () throws(TusError) in _ = try UploadMetadata(header: header) } == 400, "header \(header ?? "nil")")
        }
    }

    @Test func headersAreCheckedAsTusRequires() {
        #expect(status { () throws(TusError) in try Tus.checkResumable(nil) } == 412)
        #expect(status { () throws(TusError) in try Tus.checkResumable("0.2.2") } == 412)
        #expect(status { () throws(TusError) in try Tus.checkResumable("1.0.0") } == 0)
        for bad in ["-1", "1e3", "", " ", "12a", "0x10", "99999999999999999999"] {
            #expect(status { () throws(TusError) in _ = try Tus.nonNegative(bad, header: "Upload-Offset") } == 400, "\(bad)")
        }
        #expect((try? Tus.nonNegative(" 42 ", header: "Upload-Offset")) == 42)
        #expect(status { () throws(TusError) in try Tus.checkOffset(10, actual: 12) } == 409)
        #expect(status { () throws(TusError) in try Tus.checkPatchContentType("application/json") } == 415)
        #expect(status { () throws(TusError) in try Tus.checkPatchContentType("application/offset+octet-stream") } == 0)
        #expect(Tus.isUploadID("0123456789abcdef0123456789abcdef"))
        #expect(!Tus.isUploadID("../../0123456789abcdef0123456789") && !Tus.isUploadID("0123456789ABCDEF0123456789ABCDEF"))
    }

    @Test func checksumsInBothAlgorithms() throws {
        let bytes = Array("hello tus".utf8)
        // The digest from coreutils' sha1sum of "hello tus".
        let sha1 = try UploadChecksum(header: "sha1 " + Data(hex: "d84c169be0d285c3dc0eb66113c0038c8d04efed").base64EncodedString())
        var hasher = UploadChecksum.Hasher(.sha1)
        hasher.update(bytes)
        #expect(status { () throws(TusError) in try sha1.verify(hasher) } == 0)
        let wrong = try UploadChecksum(header: "sha256 " + Data(repeating: 0, count: 32).base64EncodedString())
        var hasher256 = UploadChecksum.Hasher(.sha256)
        hasher256.update(bytes)
        #expect(status { () throws(TusError) in try wrong.verify(hasher256) } == 460)
        #expect(status { () throws(TusError) in _ = try UploadChecksum(header: "md5 AAAA") } == 400)
        #expect(status { () throws(TusError) in _ = try UploadChecksum(header: "sha1 AAAA") } == 400)
    }

    @Test func partsAreCutAtThePartSizeAndTheLastMayBeSmall() {
        let part: Int64 = 5 << 20
        #expect(UploadState.partCuts(buffered: part - 1, partSize: part, final: false) == [])
        #expect(UploadState.partCuts(buffered: 2 * part + 7, partSize: part, final: false) == [part, part])
        #expect(UploadState.partCuts(buffered: 2 * part + 7, partSize: part, final: true) == [part, part, 7])
        #expect(UploadState.partCuts(buffered: 0, partSize: part, final: true) == [])
    }

    @Test func deviceIDsStayInsideTheirFolder() {
        #expect((try? DeviceID.validate("model3-oslo")) == "model3-oslo")
        for bad in ["", ".tus", "a/b", "a b", String(repeating: "x", count: 65), "ü"] {
            #expect(status { () throws(TusError) in _ = try DeviceID.validate(bad) } == 403, "\(bad)")
        }
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
