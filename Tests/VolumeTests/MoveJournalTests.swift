import FileIO
import Testing
@testable import Volume

/// The move journal survives a power cut with every move it recorded, and a torn last line is not a move.
@Suite struct MoveJournalTests {
    @Test func recordedMovesSurviveACut() throws {
        let fs = PageCacheFileSystem()
        let archive = try ArchiveStore(root: "/archive", fileSystem: fs)
        try archive.write(1, "TeslaCam/RecentClips/a.mp4", UnsafeRawBufferPointer(start: nil, count: 0), at: 0)
        try archive.synchronize()
        try archive.rename(from: "TeslaCam/RecentClips/a.mp4", to: "TeslaCam/SavedClips/e/a.mp4")
        // Cut before the archive's sync: the rename is lost, its journal line is not.
        let survivor = fs.afterPowerCut(.strict)
        let journal = try MoveJournal(file: survivor.openFile("/archive/" + ArchiveStore.journalPath, []))
        #expect(try journal.moves() == [.init(from: "TeslaCam/RecentClips/a.mp4", to: "TeslaCam/SavedClips/e/a.mp4")])
        #expect(survivor.status("/archive/TeslaCam/RecentClips/a.mp4") != nil)
        // Recovery names the old path: the file stays (or goes back) there.
        let recovered = try ArchiveStore(root: "/archive", fileSystem: survivor)
        try recovered.restoreMoves(named: ["TeslaCam/RecentClips/a.mp4"])
        #expect(recovered.exists("TeslaCam/RecentClips/a.mp4"))
        // Named at the new path instead: the move is redone.
        try recovered.restoreMoves(named: ["TeslaCam/SavedClips/e/a.mp4"])
        #expect(recovered.exists("TeslaCam/SavedClips/e/a.mp4") && !recovered.exists("TeslaCam/RecentClips/a.mp4"))
    }

    @Test func aTornLineIsIgnoredAndClearEmpties() throws {
        let fs = PageCacheFileSystem()
        var journal = try MoveJournal(file: fs.openFile("/moves", [.create]))
        try journal.record(.init(from: "a", to: "b"))
        let file = try fs.openFile("/moves", [])
        try file.write(Array("c\td".utf8), at: journal.length)  // no LF: cut short
        #expect(try MoveJournal(file: file).moves() == [.init(from: "a", to: "b")])
        try journal.clear()
        #expect(try MoveJournal(file: file).moves().isEmpty && journal.length == 0)
    }

    /// Seed 1038 of the power-cut property: a torn append kept the new block as zeros after the last complete
    /// line, and the reader, seeing no LF at the end, dropped that complete move, so recovery left the clip in the
    /// event folder while the volume still named it in RecentClips (a cluster of a named clip read zeros).
    @Test func zerosAfterTheLastLineLeaveItsMove() throws {
        let fs = PageCacheFileSystem()
        var journal = try MoveJournal(file: fs.openFile("/moves", [.create]))
        try journal.record(.init(from: "a", to: "b", head: 7))
        try journal.record(.init(from: "c", to: "d", head: 172))
        let file = try fs.openFile("/moves", [])
        try file.write([UInt8](repeating: 0, count: 100), at: journal.length)
        #expect(try MoveJournal(file: file).moves() == [.init(from: "a", to: "b", head: 7), .init(from: "c", to: "d", head: 172)])
        // A partial line after them is still no move.
        try file.write(Array("e\tf".utf8), at: journal.length)
        #expect(try MoveJournal(file: file).moves().count == 2)
    }

    /// A move records the head cluster of the file's chain (recovery finds the file by it); lines without one,
    /// as older journals hold, still read, and a head that is not a number makes the line no move.
    @Test func theHeadClusterIsRecordedWithTheMove() throws {
        let fs = PageCacheFileSystem()
        var journal = try MoveJournal(file: fs.openFile("/moves", [.create]))
        try journal.record(.init(from: "a", to: "b", head: 4711))
        try journal.record(.init(from: "c", to: "d"))
        let file = try fs.openFile("/moves", [])
        try file.write(Array("e\tf\tx\n".utf8), at: try file.size())
        #expect(try MoveJournal(file: file).moves() == [.init(from: "a", to: "b", head: 4711), .init(from: "c", to: "d")])
    }

    /// A file whose entry vanished while its chain stays allocated is recorded with its head and no destination
    /// (seed 1046: recovery finds its clusters by it); without a head such a line is no record, and `restoreMoves`
    /// moves nothing for it.
    @Test func aVanishedFileIsRecordedWithItsHeadAndNoDestination() throws {
        let fs = PageCacheFileSystem()
        let archive = try ArchiveStore(root: "/archive", fileSystem: fs)
        try archive.write(1, "TeslaCam/RecentClips/a.mp4", UnsafeRawBufferPointer(start: nil, count: 0), at: 0)
        try archive.synchronize()
        try archive.recordVanished("TeslaCam/RecentClips/a.mp4", head: 163)
        let file = try fs.openFile("/archive/" + ArchiveStore.journalPath, [])
        try file.write(Array("b\t\n".utf8), at: try file.size())
        let moves = try MoveJournal(file: fs.afterPowerCut(.processKill).openFile("/archive/" + ArchiveStore.journalPath, [])).moves()
        #expect(moves == [.init(from: "TeslaCam/RecentClips/a.mp4", to: "", head: 163)] && moves[0].isVanished)
        try archive.restoreMoves(named: ["TeslaCam/RecentClips/a.mp4"])
        #expect(archive.exists("TeslaCam/RecentClips/a.mp4"))
    }

    /// A vanished file's line may list its chain as runs (seed 1388: a hostile FAT rewrite then cut the chain short
    /// and only the line knew the disowned cluster's place); a malformed list makes the line count as torn, and so
    /// does a list on a line that is not a vanished file's.
    @Test func aVanishedFileKeepsItsClustersInChainOrder() throws {
        let fs = PageCacheFileSystem()
        let archive = try ArchiveStore(root: "/archive", fileSystem: fs)
        try archive.recordVanished("a.mp4", head: 19, clusters: [19, 20, 21, 22, 40, 41, 7])
        let file = try fs.openFile("/archive/" + ArchiveStore.journalPath, [])
        #expect(String(decoding: try file.readAll(), as: UTF8.self) == "a.mp4\t\t19\t19-22,40-41,7\n")
        for torn in ["b\t\t5\t9-3\n", "c\t\t5\tx\n", "d\te\t5\t5-6\n", "f\t\t5\t\n"] {
            try file.write(Array(torn.utf8), at: try file.size())
        }
        #expect(try MoveJournal(file: file).moves() == [.init(from: "a.mp4", to: "", head: 19, clusters: [19, 20, 21, 22, 40, 41, 7])])
        #expect(MoveJournal.Move.runs(Array(stride(from: 2, to: 20_000, by: 2))) == nil)
    }
}
