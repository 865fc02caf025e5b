import Foundation
import Outbound
import Sinks
import Testing

/// `teslacam sinks check`: each sink reached online with a probe of its own, a sentence each, the probe removed.
@Suite(.serialized) struct SinkCheckTests {
    let scratch = Scratch("sink-check")

    @Test func eachSinkGetsASentenceAndOnlyTheWorkingOnesSayWorks() throws {
        let peer = try DropboxPeer()
        try FileManager.default.createDirectory(atPath: scratch.path + "/nas", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: scratch.path + "/not-a-folder", contents: Data("x".utf8))
        let sinks: [any Sink] = [
            FolderSink(name: "nas", root: scratch.path + "/nas", prefix: "model3"),
            FolderSink(name: "unmounted", root: scratch.path + "/missing"),
            FolderSink(name: "file", root: scratch.path + "/not-a-folder"),
            DropboxSink(name: "box", appKey: peer.appKey, refreshToken: peer.refreshToken, prefix: "model3",
                        apiURL: peer.url, contentURL: peer.url, resumeDirectory: scratch.path + "/state"),
            DropboxSink(name: "revoked", appKey: peer.appKey, refreshToken: "revoked", apiURL: peer.url, contentURL: peer.url,
                        resumeDirectory: scratch.path + "/state"),
        ]
        let results = try SinkCheck.all(sinks)
        #expect(results.map(\.name) == ["nas", "unmounted", "file", "box", "revoked"])
        #expect(results.map(\.works) == [true, false, false, true, false])
        let sentences = results.map(\.sentence)
        #expect(sentences[0].hasPrefix("nas (folder): works: ") && sentences[0].contains("written, read back and removed"), "\(sentences[0])")
        #expect(sentences[1].contains("NOT REACHABLE NOW") && sentences[1].contains("is the NAS mounted?"), "\(sentences[1])")
        #expect(sentences[2].contains("DOES NOT WORK") && sentences[2].contains("is not a folder")
                && sentences[2].contains("teslacam sinks check file"), "\(sentences[2])")
        #expect(sentences[3].hasPrefix("box (dropbox): works: reachable, credentials accepted"), "\(sentences[3])")
        #expect(sentences[4].contains("DOES NOT WORK") && sentences[4].contains("refresh token"), "\(sentences[4])")
        #expect(filesUnder(scratch.path + "/nas").isEmpty, "the probe is removed")
        #expect(filesUnder(peer.root).isEmpty, "the probe is removed from Dropbox too")

        let one = try SinkCheck.all(sinks, only: "box")
        #expect(one.map(\.name) == ["box"] && one[0].works)
        #expect(throws: SinkControl.Failure.unknownSink("nope", known: ["nas", "unmounted", "file", "box", "revoked"])) {
            try SinkCheck.all(sinks, only: "nope")
        }
    }
}
