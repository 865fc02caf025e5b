import FileIO
import Glibc
import Testing

/// The page-cache model keeps exactly what the strict POSIX rules make durable, so the power-cut tests of the
/// engine find orderings that a real power cut would punish.
@Suite struct PageCacheFileSystemTests {
    func bytes(_ file: any PositionalFile, _ count: Int, at offset: UInt64 = 0) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0xEE, count: count)
        try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
        return buffer
    }

    @Test func aCutKeepsOnlyWhatWasSynced() throws {
        let fs = PageCacheFileSystem()
        try fs.makeDirectory("/d")
        try fs.synchronizeDirectory("/")
        let file = try fs.openFile("/d/f", [.create])
        try fs.synchronizeDirectory("/d")
        try file.write([1, 2, 3], at: 0)
        try file.synchronizeData()
        try file.write([9, 9], at: 1)  // never synced
        let after = fs.afterPowerCut(.strict)
        let survived = try after.openFile("/d/f", [])
        #expect(try survived.size() == 3)
        #expect(try bytes(survived, 3) == [1, 2, 3])
        // The running file system still sees its cache.
        #expect(try bytes(file, 3) == [1, 9, 9])
    }

    @Test func aNewNameNeedsItsDirectorySynced() throws {
        let fs = PageCacheFileSystem()
        let file = try fs.openFile("/f", [.create])
        try file.write([7], at: 0)
        try file.synchronize()  // the bytes, not the name
        #expect(fs.afterPowerCut(.strict).status("/f") == nil)
        try fs.synchronizeDirectory("/")
        #expect(fs.afterPowerCut(.strict).status("/f") == FileStatus(kind: .regular, size: 1))
    }

    @Test func aRenameIsDurableWithTheDirectoryItMovesInto() throws {
        let fs = PageCacheFileSystem()
        try fs.makeDirectory("/a")
        try fs.makeDirectory("/b")
        let file = try fs.openFile("/a/x", [.create])
        try file.write([5], at: 0)
        try fs.synchronizeFileSystem(containing: "/")
        try fs.rename("/a/x", to: "/b/x")
        try fs.synchronizeDirectory("/a")
        // The source directory's fsync does not commit the move: the file keeps its old name.
        let before = fs.afterPowerCut(.strict)
        #expect(before.status("/a/x")?.size == 1 && before.status("/b/x") == nil)
        try fs.synchronizeDirectory("/b")
        let after = fs.afterPowerCut(.strict)
        #expect(after.status("/a/x") == nil && after.status("/b/x")?.size == 1)
    }

    @Test func anUnsyncedDirectoryLosesWhatItHolds() throws {
        let fs = PageCacheFileSystem()
        try fs.makeDirectory("/new")
        let file = try fs.openFile("/new/f", [.create])
        try fs.synchronizeDirectory("/new")
        try file.synchronize()
        // `/new` itself was never named durably in `/`.
        #expect(fs.afterPowerCut(.strict).status("/new") == nil)
    }

    @Test func syncfsMakesEverythingDurable() throws {
        let fs = PageCacheFileSystem()
        try fs.makeDirectory("/a")
        let file = try fs.openFile("/a/f", [.create])
        try file.write(Array(repeating: 3, count: 10_000), at: 100)
        try file.punchHole(at: 4096, length: 4096)
        try fs.synchronizeFileSystem(containing: "/a")
        let after = try fs.afterPowerCut(.strict).openFile("/a/f", [])
        #expect(try after.size() == 10_100)
        #expect(try bytes(after, 10_100) == (0..<10_100).map { $0 < 100 || (4096..<8192).contains($0) ? 0 : 3 })
        #expect(after.dataRanges() == [0..<4096, 8192..<10_100])
    }

    @Test func aTornWriteKeepsWholeSectorsOfItsStart() throws {
        var seen: Set<UInt64> = []
        for seed in 0..<40 as Range<UInt64> {
            let fs = PageCacheFileSystem()
            let file = try fs.openFile("/f", [.create])
            try file.write(Array(repeating: 1, count: 4096), at: 0)
            try fs.synchronizeFileSystem(containing: "/")
            try file.write(Array(repeating: 2, count: 4096), at: 0)
            let after = try fs.afterPowerCut(PowerCut(tearsLastWrite: true, seed: seed)).openFile("/f", [])
            let content = try bytes(after, 4096)
            let torn = UInt64(content.prefix { $0 == 2 }.count)
            #expect(torn % 512 == 0 && torn < 4096)
            #expect(content.dropFirst(Int(torn)).allSatisfy { $0 == 1 })
            seen.insert(torn)
        }
        #expect(seen.count > 2, "tears at different sectors")
    }

    @Test func aTornWriteIntoAHoleKeepsWholeBlocksOnly() throws {
        for seed in 0..<20 as Range<UInt64> {
            let fs = PageCacheFileSystem()
            let file = try fs.openFile("/f", [.create])
            try file.setSize(3 * 4096)
            try fs.synchronizeFileSystem(containing: "/")
            try file.write(Array(repeating: 2, count: 3 * 4096), at: 0)
            let after = try fs.afterPowerCut(PowerCut(tearsLastWrite: true, seed: seed)).openFile("/f", [])
            let torn = try bytes(after, 3 * 4096).prefix { $0 == 2 }.count
            #expect(torn % 4096 == 0)
            #expect(after.dataRanges().allSatisfy { $0.upperBound <= UInt64(torn) })
        }
    }

    @Test func kernelWritebackKeepsSomeUnsyncedPagesAndAPrefixOfEachDirectory() throws {
        var kept: Set<Int> = [], names: Set<[Bool]> = []
        for seed in 0..<40 as Range<UInt64> {
            let fs = PageCacheFileSystem()
            let file = try fs.openFile("/f", [.create])
            try file.setSize(4 * 4096)
            try fs.synchronizeFileSystem(containing: "/")
            for page in 0..<4 { try file.write([UInt8(page + 1)], at: UInt64(page) * 4096) }
            for name in ["a", "b", "c"] { _ = try fs.openFile("/" + name, [.create]) }
            let after = fs.afterPowerCut(PowerCut(kernelWriteback: true, seed: seed))
            let survivor = try after.openFile("/f", [])
            kept.insert(try (0..<4).filter { try bytes(survivor, 1, at: UInt64($0) * 4096) != [0] }.count)
            let present = ["a", "b", "c"].map { after.status("/" + $0) != nil }
            // Journal order: a later name never survives without the earlier ones.
            #expect(present == present.sorted { $0 && !$1 })
            names.insert(present)
        }
        #expect(kept.count > 2 && names.count > 2)
    }

    @Test func errorsCarryErrnoAndPath() {
        let fs = PageCacheFileSystem()
        #expect(throws: FileIOError(operation: "open", path: "/missing", code: ENOENT)) {
            _ = try fs.openFile("/missing", [])
        }
        #expect(throws: FileIOError(operation: "mkdir", path: "/", code: EEXIST)) { try fs.makeDirectory("/") }
    }
}
