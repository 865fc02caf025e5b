import HarvestCore

/// What carrying out a plan came to.
struct ExecutionResult {
    /// Steps that failed (their errors are noted); each is planned again at a later pass.
    var failed: [HarvestStep] = []
    /// Files a copy into which failed: their copy is owed.
    var refusedCopies: Set<UInt32> = []
}

/// The executor: carries a planner's `HarvestPlan` out against the archive, staging and the cache, in order, and
/// hands the events over that its steps earned.
extension Harvest {
    @discardableResult
    func execute(_ plan: HarvestPlan) -> ExecutionResult {
        var result = ExecutionResult()
        for step in plan.steps {
            if case let .copy(_, file, _, _) = step, result.refusedCopies.contains(file) {
                result.failed.append(step)  // a disk that refused this file's copy refuses the next
                continue
            }
            guard !perform(step) else { continue }
            result.failed.append(step)
            if case let .copy(_, file, _, _) = step { result.refusedCopies.insert(file) }
        }
        for planned in plan.events where planned.requiresCopiesOf.map({ !result.refusedCopies.contains($0) }) ?? true {
            events.append(planned.event)
        }
        return result
    }

    /// One step; false if it failed (the error is noted).
    private func perform(_ step: HarvestStep) -> Bool {
        let clusterBytes = UInt64(clusterSize)
        switch step {
        case let .place(cluster, file, index, from):
            return place(cluster, into: file, at: index, from: from)
        case let .stage(cluster, file, index):
            guard let record = files[file], location[cluster] == .placed(file: file, index: index) else { return true }
            evict(cluster, from: record, index: index)
            return location[cluster] == .staged
        case let .copy(cluster, file, index, length):
            guard let record = files[file] else { return true }
            let at = location[cluster]
            let bytes = currentBytes(of: cluster)
            do {
                try bytes.withUnsafeBytes { raw in
                    try archive.write(record.id, record.path, UnsafeRawBufferPointer(rebasing: raw[0..<Int(length)]),
                                      at: UInt64(index) * clusterBytes)
                }
                statistics.archiveBytesWritten += UInt64(length)
                if !at.isCached { statistics.promotedBytes += UInt64(length) }
                return true
            } catch {
                note(error)
                return false
            }
        case let .setSize(file, size):
            guard let record = files[file] else { return true }
            do { try archive.setSize(record.id, record.path, size) } catch { note(error); return false }
            return true
        case let .release(file):
            archive.release(file)
            return true
        case let .unlink(file):
            // Its clusters' new homes (staging, the owner's archive file) are not durable yet: were the unlink to
            // reach the disk first (any journal commit takes it along), a power cut would lose bytes the car
            // flushed. It waits for the end of the next synchronization (`synchronized`).
            if let record = files[file] { unlinkAfterSync.insert(record.path) }
            return true
        case .synchronize:
            do { try archive.synchronize() } catch { note(error); return false }
            return true
        case let .punchStaging(cluster):
            do { try staging.punchHole(at: stagingOffset(cluster), length: clusterBytes) } catch { note(error); return false }
            return true
        }
    }

    /// `.place`: the cluster's bytes from `source` into their home; true if done or no longer needed.
    private func place(_ cluster: UInt32, into file: UInt32, at index: UInt32, from source: ClusterSource) -> Bool {
        let clusterBytes = UInt64(clusterSize)
        guard let record = files[file] else { return true }
        let start = UInt64(index) * clusterBytes
        do {
            switch source {
            case .cache:
                guard let buffer = cache[cluster] else { return true }
                try archive.write(file, record.path, UnsafeRawBufferPointer(buffer), at: start)
                statistics.archiveBytesWritten += clusterBytes
                home(cluster, at: .placed(file: file, index: index))
            case let .pending(pendingFile, pendingIndex):
                guard location[cluster] == .placed(file: pendingFile, index: pendingIndex),
                      let pending = files[pendingFile] else { return true }
                var bytes = [UInt8](repeating: 0, count: clusterSize)
                try bytes.withUnsafeMutableBytes { buffer in
                    try archive.read(pending.id, pending.path, into: buffer, at: UInt64(pendingIndex) * clusterBytes)
                }
                try bytes.withUnsafeBytes { buffer in try archive.write(file, record.path, buffer, at: start) }
                statistics.archiveBytesWritten += clusterBytes
                statistics.promotedBytes += clusterBytes
                location[cluster] = .placed(file: file, index: index)
            case .staging:
                // Once the disk refused a write in this pass, staged clusters wait where they are.
                guard location[cluster] == .staged, !archiveRefused else { return true }
                var bytes = [UInt8](repeating: 0, count: clusterSize)
                try bytes.withUnsafeMutableBytes { buffer in try staging.read(into: buffer, at: stagingOffset(cluster)) }
                try bytes.withUnsafeBytes { buffer in try archive.write(file, record.path, buffer, at: start) }
                statistics.archiveBytesWritten += clusterBytes
                statistics.promotedBytes += clusterBytes
                home(cluster, at: .placed(file: file, index: index))
            }
            return true
        } catch {
            note(error)
            return false
        }
    }
}
