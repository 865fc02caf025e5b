import CarFS

/// The harvest's side of the move journal (`MoveJournal`): the archive's renames run ahead of the car's metadata
/// until a flush has made that metadata durable.
extension Harvest {
    /// Before recovery places anything: files a move took away from where the recovered volume names them go back.
    func restoreInterruptedMoves() {
        let named = Set(currentTree().files.map { ArchivePath.relative($0.path) })
        do { try archive.restoreMoves(named: named) } catch { note(error) }
    }

    /// The car's metadata (FAT in `metadata.img`, directory clusters in staging) is durable for every move recorded
    /// up to `mark`.
    func forgetMoves(through mark: UInt64) {
        do { try archive.forgetMoves(through: mark) } catch { note(error) }
    }
}
