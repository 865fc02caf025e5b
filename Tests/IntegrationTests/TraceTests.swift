import Foundation
import Testing

/// `trace record` captures what the FUSE volume sees; `trace replay` rebuilds the same volume without FUSE.
@Suite(.serialized, .enabled(if: isRoot && hasFUSE, "needs root and /dev/fuse"))
struct TraceTests {
    @Test func aRecordedMtoolsSessionReplaysToTheSameVolume() throws {
        let daemon = Daemon("trace")
        let trace = daemon.root.path + "/session.trace"
        try daemon.start(command: "trace record --output \(trace) --size 2G --layout superfloppy")
        let tree = FileTree(root: daemon.root.path + "/tree", seed: 5)
        tree.copy(into: daemon.image)
        for path in tree.deletable { #expect(sh("mdel -i \(daemon.image) ::\(path)").status == 0) }
        #expect(sh("mren -i \(daemon.image) ::TeslaCam/RecentClips/event ::TeslaCam/SavedClips").status == 0)
        let live = sh("sha256sum < \(daemon.image)").output
        #expect(daemon.stop() == 0)

        let replayed = daemon.root.path + "/replayed"
        let replay = sh("\(teslacamBinary) trace replay \(trace) --state \(replayed) --archive \(daemon.root.path)/archive2")
        #expect(replay.status == 0, "\(replay.output)")
        #expect(replay.output.contains("replayed"), "\(replay.output)")
        // The replayed state serves byte-identical volume contents.
        let again = Daemon("trace-again")
        try FileManager.default.removeItem(atPath: again.root.path)
        try FileManager.default.createDirectory(atPath: again.mountpoint, withIntermediateDirectories: true)
        // State and archive belong together: the archive files are the storage behind the volume's clusters.
        sh("mv \(replayed) \(again.state) && mv \(daemon.root.path)/archive2 \(again.archive)")
        try again.start()
        #expect(sh("sha256sum < \(again.image)").output == live)
        #expect(sh("fsck.fat -n \(again.image)").status == 0)
        #expect(again.stop() == 0)
    }

    @Test func aTruncatedTraceStillReplaysItsWholeRecords() throws {
        let daemon = Daemon("trace-cut")
        let trace = daemon.root.path + "/cut.trace"
        try daemon.start(command: "trace record --output \(trace) --size 2G --layout mbr")
        FileTree(root: daemon.root.path + "/tree", seed: 6).copy(into: daemon.image + "@@1M")
        #expect(daemon.stop() == 0)
        sh("truncate -s -3 \(trace)")
        let replay = sh("\(teslacamBinary) trace replay \(trace) --state \(daemon.root.path)/r --archive \(daemon.root.path)/a")
        #expect(replay.status == 0, "\(replay.output)")
        #expect(replay.output.contains("trace ended early"), "\(replay.output)")
    }
}
