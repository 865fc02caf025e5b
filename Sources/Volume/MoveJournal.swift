import FileIO

/// The archive's renames that the car's own metadata may not be durable for yet.
///
/// A move of the car (an event saved out of RecentClips) reaches the engine as directory sectors; the harvest
/// renames the archive file at once, but those sectors reach the disk (staging, `metadata.img`) only at the end of
/// the flush. A power cut in between, or a kill before the cache was spilled, leaves the archive file under its new
/// name while the recovered volume still names the old one, or the other way round, and the recovered engine
/// could not find the clip's clusters. Each rename is recorded here, durably, before it is made; recovery puts a
/// file back where the volume names it; the journal is emptied once the car's metadata is durable.
///
/// One line per move: `from TAB to LF`, or `from TAB to TAB head LF` with the head cluster of the car's chain the
/// file holds (archive paths never hold control characters). The head lets recovery find a moved file's clusters
/// when the cut left neither its old nor its new entry readable (`Harvest.adoptUnnamedMoves`). A line whose `from`
/// and `to` are the same path is no move: a rewrite of that complete file in place (`Harvest.recordRewrite`). Nor
/// is a line with an empty `to` (and a head): the file's entry vanished while its chain stays allocated
/// (`Harvest.recordVanished`), and the car's directory without it may reach the disk before its clusters do. Such
/// a line may end with a fourth field, the file's clusters in chain order as runs (`19-22,40-47`): a FAT rewrite
/// may cut the chain short before its clusters reach staging, and then only this line says which archive
/// position each disowned cluster had.
struct MoveJournal {
    struct Move: Equatable, Sendable {
        var from: String
        var to: String
        var head: UInt32? = nil
        /// A vanished file's clusters in chain order, when recorded.
        var clusters: [UInt32]? = nil

        /// Longer chains (a hostile, fragmented one) are not written out: recovery then follows the FAT from the head.
        static let recordedRunLimit = 4096

        /// `clusters` as runs `a-b` joined by commas; nil past `recordedRunLimit` runs.
        static func runs(_ clusters: [UInt32]) -> String? {
            var runs: [(UInt32, UInt32)] = []
            for cluster in clusters {
                if let last = runs.last, last.1 != UInt32.max, last.1 + 1 == cluster { runs[runs.count - 1].1 = cluster } else { runs.append((cluster, cluster)) }
                if runs.count > recordedRunLimit { return nil }
            }
            return runs.map { $0.0 == $0.1 ? "\($0.0)" : "\($0.0)-\($0.1)" }.joined(separator: ",")
        }

        /// The clusters of `runs`; nil for anything malformed (the line then counts as torn).
        static func clusters(runs: Substring) -> [UInt32]? {
            var clusters: [UInt32] = []
            for run in runs.split(separator: ",") {
                let ends = run.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count == 1 || ends.count == 2, let first = UInt32(ends[0]), let last = UInt32(ends[ends.count - 1]),
                      first <= last, clusters.count + Int(last - first) < 1 << 24 else { return nil }
                clusters.append(contentsOf: first...last)
            }
            return clusters.isEmpty ? nil : clusters
        }

        /// A vanished file's line (`Harvest.recordVanished`): no path to move to.
        var isVanished: Bool { to.isEmpty }
    }

    let file: any PositionalFile
    /// Bytes recorded; a flush forgets the moves only if none were added since it took this mark.
    private(set) var length: UInt64

    init(file: any PositionalFile) throws(BackingStoreError) {
        self.file = file
        length = try file.size()
    }

    /// Durable before the rename it announces, so no rename can reach the disk without it.
    mutating func record(_ move: Move) throws(BackingStoreError) {
        let runs = move.clusters.flatMap(Move.runs).map { "\t\($0)" } ?? ""
        let line = Array("\(move.from)\t\(move.to)\(move.head.map { "\t\($0)" } ?? "")\(move.head == nil ? "" : runs)\n".utf8)
        try file.write(line, at: length)
        try file.synchronizeData()
        length += UInt64(line.count)
    }

    /// The recorded moves, oldest first; a line torn by a power cut is ignored.
    ///
    /// Only lines ended by their LF count: a torn append may leave a partial line or, where the cut kept the new
    /// block but not its bytes, zeros after the last complete line (which is then still a whole move).
    func moves() throws(BackingStoreError) -> [Move] {
        let all = try file.readAll()
        let bytes = all[..<(all.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? all.startIndex)]
        var moves: [Move] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let parts = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard (2...4).contains(parts.count), !parts[0].isEmpty, !parts[0].contains(0),
                  !parts[1].contains(0) else { continue }
            let head = parts.count >= 3 ? UInt32(String(decoding: parts[2], as: UTF8.self)) : nil
            if parts.count >= 3 && head == nil { continue }
            // (An empty `to` only in a vanished file's line, which names its head, and only such a line lists clusters.)
            if parts[1].isEmpty && head == nil { continue }
            var clusters: [UInt32]?
            if parts.count == 4 {
                guard parts[1].isEmpty, let listed = Move.clusters(runs: Substring(decoding: parts[3], as: UTF8.self)) else { continue }
                clusters = listed
            }
            moves.append(Move(from: String(decoding: parts[0], as: UTF8.self), to: String(decoding: parts[1], as: UTF8.self),
                              head: head, clusters: clusters))
        }
        return moves
    }

    mutating func clear() throws(BackingStoreError) {
        guard length > 0 else { return }
        try file.setSize(0)
        try file.synchronizeData()
        length = 0
    }
}
