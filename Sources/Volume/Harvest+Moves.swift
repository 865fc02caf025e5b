import CarFS
import HarvestCore

/// The harvest's side of the move journal (`MoveJournal`): the archive's renames run ahead of the car's metadata
/// until a flush has made that metadata durable.
extension Harvest {
    /// Before recovery places anything: files a move took away from where the recovered volume names them go back.
    func restoreInterruptedMoves() {
        let named = Set(currentTree().files.map { ArchivePath.relative($0.path) })
        do { try archive.restoreMoves(named: named) } catch { note(error) }
    }

    /// Before recovery places anything, after `restoreInterruptedMoves`: a file moved since the last durable car
    /// metadata whose chain the recovered volume names under neither path (nor anywhere the archive has a file) (a cut or a kill left the car's
    /// directory clusters half written: the old directory without its entry, the new one not yet there) still
    /// holds flushed clusters of a chain the FAT allocates. It is taken in as a file whose entry vanished, at the
    /// path where it is: the volume reads its clusters from it, the next flush copies them to staging
    /// (`stageVanishedClusters`), and if the car's entry turns up the file is renamed to it.
    ///
    /// So is a file whose entry had vanished (`recordVanished`) while the volume still names its chain nowhere: the
    /// cut made the car's directory without it durable before the next flush copied its clusters to staging. Its
    /// archive file is where it was, or where a later move took it aside.
    func adoptUnnamedMoves() {
        let moves: [MoveJournal.Move]
        do { moves = try archive.recordedMoves() } catch { note(error); return }
        guard !moves.isEmpty else { return }
        let tree = currentTree()
        // A chain the volume names at a path with an archive file is taken in there, by path. One it names where
        // the archive has nothing (a hostile write renamed a directory: `TeslaCam` read back as `TESLACAM`) is
        // adopted here too: the pass then renames the file to where the volume names it.
        let named = Set(tree.files.filter { archive.size(of: ArchivePath.relative($0.path)) != nil }.map(\.head))
        let size = UInt64(clusterSize)
        // Of the clusters the lines list, those files of the volume own, by head (the file named at a new path is
        // the one adopted); only those: every named file's clusters would be millions of entries on a large volume.
        let listed = Set(moves.lazy.compactMap(\.clusters).joined())
        var owners: [UInt32: UInt32] = [:]
        if !listed.isEmpty {
            for file in tree.files { for cluster in file.clusters where listed.contains(cluster) { owners[cluster] = file.head } }
            for cluster in tree.directoryClusters where listed.contains(cluster) { owners[cluster] = 0 }
        }
        for (k, move) in moves.enumerated().reversed() {
            // (A pending file of the chain holds only clusters cached since the entry vanished: it keeps those.)
            guard move.from != move.to, let head = move.head, fat.isValidCluster(head), fat.entry(head).kind != .free, !named.contains(head),
                  idByHead[head].map({ files[$0]?.isPending == true }) ?? true, vanished[head] == nil,
                  !tree.directoryClusters.contains(head) else { continue }
            var candidates = [move.to, move.from]
            if move.isVanished {
                var at = move.from
                for later in moves[(k + 1)...] where later.from == at && !later.isVanished && later.from != later.to { at = later.to }
                candidates = [at]
            }
            guard let path = candidates.first(where: { archive.size(of: $0) != nil && !files.holds($0) }),
                  let length = archive.size(of: path), length > 0 else { continue }
            let limit = Int((length + size - 1) / size)
            // The chain as the line recorded it when the entry vanished: a FAT rewrite since may have cut it short,
            // disowning clusters that only this file holds. Only those the FAT still allocates and no file the
            // volume names claims are taken.
            let recorded = move.clusters.map { Array($0.prefix(limit)) }
            let clusters = recorded ?? fat.chain(from: head, limit: limit).clusters
            let id = allocateID()
            files[id] = ArchivedFile(id: id, path: path, carPath: "", head: head, size: length, clusters: clusters,
                                     state: .deleted, previousSize: length)
            vanished[head] = id
            retiring.insert(id)
            for (i, cluster) in clusters.enumerated() where fat.isValidCluster(cluster) && location[cluster] == .unwritten {
                if recorded != nil, fat.entry(cluster).kind == .free || owners[cluster].map({ $0 != head }) ?? false { continue }
                location[cluster] = .placed(file: id, index: UInt32(i))
            }
        }
    }

    /// Before the car's directory without a file's entry can reach staging (spilled later in the same pass), when the
    /// file's chain stays allocated and some of its clusters live only in its archive file: a journal line naming
    /// the file with its head and no destination, so that a cut or a kill before the next flush has copied those
    /// clusters to staging (`stageVanishedClusters`) finds them (`adoptUnnamedMoves`); forgotten with the moves once
    /// that flush is durable. Recovery rebuilds only files the volume names, and nothing else ties the chain to it.
    func recordVanished(_ record: ArchivedFile) {
        guard record.clusters.enumerated().contains(where: { location[$0.element] == .placed(file: record.id, index: UInt32($0.offset)) })
        else { return }
        do { try archive.recordVanished(record.path, head: record.head, clusters: record.clusters) } catch { note(error) }
    }

    /// Before a rewrite of a complete file reaches its archive file: a journal line naming the file's path twice,
    /// with its head (no move: `restoreMoves` and `adoptUnnamedMoves` pass over it), forgotten with the moves once
    /// the flush has told `rewritten`. False if the journal refused it (the rewrite is then owed).
    func recordRewrite(of record: ArchivedFile) -> Bool {
        do { try archive.recordRewrite(record.path, head: record.head) } catch { note(error); return false }
        return true
    }

    /// The heads of the rewrites recorded since the journal was last forgotten.
    func recordedRewrites() -> Set<UInt32> {
        do { return Set(try archive.recordedMoves().filter { $0.from == $0.to }.compactMap(\.head)) } catch { note(error); return [] }
    }

    /// The car's metadata (FAT in `metadata.img`, directory clusters in staging) is durable for every move recorded
    /// up to `mark`.
    func forgetMoves(through mark: UInt64) {
        do { try archive.forgetMoves(through: mark) } catch { note(error) }
    }
}
