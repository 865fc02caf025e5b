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
    /// metadata whose chain the recovered volume names under neither path (a cut or a kill left the car's
    /// directory clusters half written: the old directory without its entry, the new one not yet there) still
    /// holds flushed clusters of a chain the FAT allocates. It is taken in as a file whose entry vanished, at the
    /// path where it is: the volume reads its clusters from it, the next flush copies them to staging
    /// (`stageVanishedClusters`), and if the car's entry turns up the file is renamed to it.
    func adoptUnnamedMoves() {
        let moves: [MoveJournal.Move]
        do { moves = try archive.recordedMoves() } catch { note(error); return }
        guard !moves.isEmpty else { return }
        let tree = currentTree()
        let named = Set(tree.files.map(\.head))
        let size = UInt64(clusterSize)
        for move in moves.reversed() {
            guard let head = move.head, fat.isValidCluster(head), fat.entry(head).kind != .free, !named.contains(head),
                  idByHead[head] == nil, vanished[head] == nil, !tree.directoryClusters.contains(head) else { continue }
            guard let path = [move.to, move.from].first(where: { archive.size(of: $0) != nil && !files.holds($0) }),
                  let length = archive.size(of: path), length > 0 else { continue }
            let chain = fat.chain(from: head, limit: Int((length + size - 1) / size))
            let id = allocateID()
            files[id] = ArchivedFile(id: id, path: path, carPath: "", head: head, size: length, clusters: chain.clusters,
                                     state: .deleted, previousSize: length)
            vanished[head] = id
            retiring.insert(id)
            for (i, cluster) in chain.clusters.enumerated() where location[cluster] == .unwritten {
                location[cluster] = .placed(file: id, index: UInt32(i))
            }
        }
    }

    /// The car's metadata (FAT in `metadata.img`, directory clusters in staging) is durable for every move recorded
    /// up to `mark`.
    func forgetMoves(through mark: UInt64) {
        do { try archive.forgetMoves(through: mark) } catch { note(error) }
    }
}
