import BlockTrace
import Foundation
import Testing

/// A tree of files with seeded content, copied onto the volume with mtools and compared byte for byte.
final class FileTree {
    let root: String
    private(set) var files: [String: Int] = [:]  // relative path -> size
    let deletable: [String]

    init(root: String, seed: UInt64, top: String = "TeslaCam/RecentClips") {
        self.root = root
        let sizes = [0, 1, 511, 512, 4097, 65_536, (1 << 20) + 3, 3 << 20]
        var paths: [String] = []
        for (i, size) in sizes.enumerated() {
            paths.append("\(top)/2026-11-25_10-0\(i)-00-front.mp4")
            files[paths.last!] = size
        }
        files["\(top)/event/a deeper/folder with a long name/événement \(seed).json"] = 777
        files["\(top)/event/thumb.png"] = 20_000
        deletable = Array(paths.prefix(2))
        for (path, size) in files {
            let full = root + "/" + path
            try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            // Pattern blocks: incompressible like video, yet a trace stores them in a few bytes.
            let bytes = PatternBlock.fileBytes(seed: seed &* 1000 &+ UInt64(size), offset: 0, count: size)
            FileManager.default.createFile(atPath: full, contents: Data(bytes))
        }
    }

    /// `mcopy -s` the tree's top folders onto the volume's root.
    func copy(into drive: String) {
        let tops = Set(files.keys.map { String($0.split(separator: "/").first!) })
        for top in tops {
            // The TeslaCam folder exists already; mcopy -s merges into it.
            let result = sh("cd \(root) && mcopy -s -o -i \(drive) \(top) ::")
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// Copies every file back out with mtools and compares bytes.
    func verify(from drive: String, scratch: String) {
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for (path, _) in files.sorted(by: { $0.key < $1.key }) {
            let out = scratch + "/" + path.replacingOccurrences(of: "/", with: "_")
            let copied = sh("mcopy -o -i \(drive) '::\(path)' '\(out)'")
            #expect(copied.status == 0, "\(path): \(copied.output)")
            #expect(sh("cmp '\(root)/\(path)' '\(out)'").status == 0, "\(path) differs")
        }
        for path in deletable where files[path] == nil {
            #expect(sh("mdir -i \(drive) '::\(path)'").status != 0, "\(path) should be deleted")
        }
    }

    /// Paths the car deleted: the archive keeps them.
    private(set) var removed: Set<String> = []

    func forget(_ paths: [String]) {
        for path in paths where files[path] != nil {
            files[path] = nil
            removed.insert(path)
        }
    }

    /// Every file written, and every one deleted since, is in the archive byte for byte. While the daemon runs, a
    /// file not yet judged complete may run up to a cluster past its size (the slack the car wrote, trimmed once
    /// complete): `whileRunning` compares up to the directory size.
    func verifyArchive(_ archive: String, whileRunning: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        for path in files.keys.sorted() + removed.sorted() {
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(root)/\(path)"))?[.size] as? Int ?? 0
            let limit = whileRunning ? "-n \(size) " : ""
            #expect(sh("cmp \(limit)'\(root)/\(path)' '\(archive)/\(path)'").status == 0, "\(path) in the archive",
                    sourceLocation: sourceLocation)
        }
    }
}
