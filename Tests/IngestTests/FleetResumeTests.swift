import Foundation
import Outbound
@testable import Sinks
import Testing

/// The board's fleet sink goes on with an upload a previous delivery left on the server (a delivery that gave up,
/// a daemon restarted): it asks the server where the upload stands and sends only the rest.
@Suite(.serialized, .enabled(if: FleetRig.available, "needs PostgreSQL, moto[server], tuspy (scripts/install-deps.sh) and the built teslacam-ingest"))
struct FleetResumeTests {
    @Test func aLaterDeliveryResumesTheUploadFromTheServersOffset() throws {
        let fleet = try FleetRig()
        let port = try fleet.startInstance()
        let size = 11 << 20 + 321
        let clip = try fleet.file("resume.mp4", size: size)
        let path = "TeslaCam/SentryClips/2026-12-01_12-00-00/2026-12-01_11-59-00-front.mp4"
        // The first delivery got 5 MiB stored, then stopped: the upload is on the server, remembered on the board.
        let begun = try fleet.upload(port: port, file: clip.path, path: path, extra: ["--stop-at", "\(5 << 20)", "--chunk", "\(5 << 20)"])
        let uploadURL = try #require(begun["url"] as? String)
        let resume = fleet.scratch.path + "/sinks/fleet"
        let stateFile = FleetResumeState.file(in: resume, archivePath: path, sha256: clip.sha256)
        try FleetResumeState(archivePath: path, sha256: clip.sha256, size: Int64(size), url: uploadURL).save(stateFile)

        let sink = FleetSink(name: "fleet", url: fleet.url(port), certFile: fleet.listed.cert, keyFile: fleet.listed.key,
                             caFile: fleet.caFile, chunkSize: 5 << 20, resumeDirectory: resume)
        let record = OutgoingRecord(kind: .sentry, content: .file(archivePath: path, source: clip.path, remoteName: path,
                                                                  sha256: clip.sha256, size: Int64(size)))
        let transfer = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink.deliver(record, transfer: transfer)
        #expect(transfer.sent == size - 5 << 20, "sent \(transfer.sent) of \(size): the stored 5 MiB were sent again")
        #expect(try fleet.postgres.query("SELECT count(*) FROM uploads") == ["1"])
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(path)") == clip.sha256)
        #expect(!FileManager.default.fileExists(atPath: stateFile), "the state outlived the server's ack")

        // A remembered upload the server no longer has: a new one, the whole file, acknowledged.
        let other = try fleet.file("gone.mp4", size: 2 << 20 + 9)
        let otherPath = "TeslaCam/SentryClips/2026-12-01_12-00-00/2026-12-01_11-59-00-back.mp4"
        let otherState = FleetResumeState.file(in: resume, archivePath: otherPath, sha256: other.sha256)
        let gone = String(uploadURL[..<(uploadURL.range(of: "/files/")?.upperBound ?? uploadURL.endIndex)]) + "0123456789abcdef"
        try FleetResumeState(archivePath: otherPath, sha256: other.sha256, size: Int64(2 << 20 + 9), url: gone).save(otherState)
        let again = Transfer(sinkBytesPerSecond: nil, throttle: .unlimited)
        try sink.deliver(OutgoingRecord(kind: .sentry, content: .file(archivePath: otherPath, source: other.path, remoteName: otherPath,
                                                                      sha256: other.sha256, size: Int64(2 << 20 + 9))),
                         transfer: again)
        #expect(again.sent == 2 << 20 + 9)
        #expect(try fleet.moto.sha256("fleet/\(fleet.device)/\(otherPath)") == other.sha256)
        #expect(!FileManager.default.fileExists(atPath: otherState))
    }
}
