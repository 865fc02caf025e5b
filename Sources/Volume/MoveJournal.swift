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
/// (`Harvest.recordVanished`), and the car's directory without it may reach the disk before its clusters do.
struct MoveJournal {
    struct Move: Equatable, Sendable {
        var from: String
        var to: String
        var head: UInt32? = nil

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
        let line = Array("\(move.from)\t\(move.to)\(move.head.map { "\t\($0)" } ?? "")\n".utf8)
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
            guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[0].contains(0),
                  !parts[1].contains(0) else { continue }
            let head = parts.count == 3 ? UInt32(String(decoding: parts[2], as: UTF8.self)) : nil
            if parts.count == 3 && head == nil { continue }
            // (An empty `to` only in a vanished file's line, which names its head.)
            if parts[1].isEmpty && head == nil { continue }
            moves.append(Move(from: String(decoding: parts[0], as: UTF8.self), to: String(decoding: parts[1], as: UTF8.self),
                              head: head))
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
