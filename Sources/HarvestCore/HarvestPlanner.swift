/// The harvest's decisions, pure: records, the cluster map, what the shell observed and a clock value in; plans
/// out. The engine's executor carries the plans out against the archive and staging.
public enum HarvestPlanner {
    /// How long a file's size must hold still before it is judged complete (unless the camera's next clip began).
    public static let quietPeriod: Duration = .seconds(2)
    /// How long an MP4 whose boxes are unfinished must hold still before it is judged complete as it is: longer
    /// than a clip (one minute), so only a muxer that will never finish it (a power cut in the car) waits it out.
    public static let unfinishedMP4QuietPeriod: Duration = .seconds(90)

    // MARK: Completion

    /// created → growing → complete; a complete file whose size the car changes again is reopened.
    /// `finishing`: the daemon stops, and one flush is enough to judge a file.
    public static func judge(_ record: ArchivedFile, _ seen: FileObservation, map: ClusterMap, clusterSize: Int,
                             now: ContinuousClock.Instant, finishing: Bool = false) -> Judgement {
        var record = record
        var plan = HarvestPlan()
        var completed = false
        var latency: Duration?
        let still = now - (record.sizeChangedAt ?? now)
        let unchanged = record.previousSize == seen.size
        // Held still across a flush *and* for a while: other cameras' fsyncs make flushes come faster than one
        // camera's writes. At shutdown one flush is enough.
        let held = unchanged && (finishing || still >= quietPeriod)
        // An MP4 still without its final mdat size or moov is unfinished: a slow camera's pause between fsyncs can
        // outlast the quiet period, so only a pause longer than a clip (or the daemon stopping) says the muxer
        // will not finish it (a power cut in the car).
        let abandoned = unchanged && (finishing || still >= unfinishedMP4QuietPeriod)
        // An MP4 is judged by its boxes: consistent is complete at once; inconsistent waits for its size to hold
        // still. Only other files (encrypted clips...) take the successor's word.
        let stable = switch seen.boxesConsistent {
            case true?: true
            case false?: abandoned
            case nil: held || (seen.hasSuccessor && record.previousSize != nil)
        }
        if record.state == .complete {
            // Only a change reopens a complete file (its chain being freed before its entry, as the car deletes,
            // is not one).
            if !unchanged {
                record.state = .growing
                plan.events.append(PlannedEvent(event(.reopened, record, seen.size)))
            }
        } else if !stable, let previous = record.previousSize, previous != seen.size {
            plan.events.append(PlannedEvent(event(.growing, record, seen.size)))
        } else if stable, seen.isWhole {
            record.state = .complete
            plan.steps = finalize(record, map: map, clusterSize: clusterSize)
            completed = true
            // (At shutdown the car's last clips complete because the daemon stops: not a latency.)
            if !finishing { latency = unchanged ? still : .zero }
            plan.events.append(PlannedEvent(event(.complete, record, seen.size)))
        }
        if !unchanged { record.sizeChangedAt = now }
        record.previousSize = seen.size
        return Judgement(record: record, plan: plan, completed: completed, latency: latency)
    }

    /// The car deleted a file (no entry names its chain any more): a growing one is trimmed to its last size (its
    /// freed clusters may hold another file's data already, so nothing is copied in), the archive keeps it, and
    /// the harvest writes it no more.
    public static func delete(_ record: ArchivedFile, map: ClusterMap, clusterSize: Int) -> (record: ArchivedFile, plan: HarvestPlan) {
        var plan = HarvestPlan()
        if record.state == .growing { plan.steps = finalize(record, map: map, clusterSize: clusterSize, live: false) }
        plan.steps.append(.release(file: record.id))
        var record = record
        record.state = .deleted
        plan.events = [PlannedEvent(event(.deleted, record, record.size))]
        return (record, plan)
    }

    /// Trims an archive file to the car's size, first moving the clusters it stops covering (the slack of its
    /// last cluster, any cluster chained past the size) to staging, as the volume must still read them: for a
    /// complete or deleted file the archive then equals what a FAT reader reads. `live`: the record's chain is the
    /// car's current one, so its clusters held elsewhere (cache, staging) are copied in; not so for a deleted
    /// file, whose freed clusters may already hold another file's data.
    public static func finalize(_ record: ArchivedFile, map: ClusterMap, clusterSize: Int, live: Bool = true) -> [HarvestStep] {
        var steps = unplace(record, beyond: record.size, map: map, clusterSize: clusterSize)
        if live {
            let staged = Set(steps.compactMap { if case let .stage(cluster, _, _) = $0 { cluster } else { nil } })
            steps += copies(into: record, map: map, clusterSize: clusterSize, staged: staged)
        }
        steps.append(.setSize(file: record.id, size: record.size))
        return steps
    }

    /// Before an archive file shrinks to `size`, the clusters it stops covering move to staging.
    public static func unplace(_ record: ArchivedFile, beyond size: UInt64, map: ClusterMap, clusterSize: Int) -> [HarvestStep] {
        let clusterBytes = UInt64(clusterSize)
        return record.clusters.enumerated().compactMap { i, cluster in
            guard (UInt64(i) + 1) * clusterBytes > size, map[cluster] == .placed(file: record.id, index: UInt32(i))
            else { return nil }
            return .stage(cluster: cluster, file: record.id, index: UInt32(i))
        }
    }

    /// Copies into the archive file the part within its size of every cluster whose bytes live elsewhere (the
    /// cache, or staging: a tail whose slack the volume must keep, a cluster written after the file was sealed).
    /// `staged`: clusters earlier steps of the same plan move to staging.
    public static func copies(into record: ArchivedFile, map: ClusterMap, clusterSize: Int,
                              staged: Set<UInt32> = []) -> [HarvestStep] {
        let clusterBytes = UInt64(clusterSize)
        var steps: [HarvestStep] = []
        for (i, cluster) in record.clusters.enumerated() {
            let start = UInt64(i) * clusterBytes
            guard start < record.size else { break }
            let at = staged.contains(cluster) ? .staged : map[cluster]
            guard at.isWritten, at != .placed(file: record.id, index: UInt32(i)) else { continue }
            steps.append(.copy(cluster: cluster, file: record.id, index: UInt32(i),
                               length: UInt32(min(clusterBytes, record.size - start))))
        }
        return steps
    }

    /// Every cluster the size needs was written by the car: placed in this file, or held in cache or staging;
    /// none is claimed by two files (`contested`).
    public static func allPresent(_ clusters: ArraySlice<UInt32>, of id: UInt32, map: ClusterMap,
                                  contested: Set<UInt32>) -> Bool {
        clusters.allSatisfy { cluster in
            guard !contested.contains(cluster) else { return false }
            switch map[cluster] {
            case .cached, .staged: return true
            case let .placed(file, _): return file == id
            case .unwritten: return false
            }
        }
    }

    // MARK: Placement

    /// Where each of a live file's clusters goes at this pass: cached ones into its archive file, staged ones
    /// promoted, ones placed in a pending chain's file copied over. `clusters` and `size`: the car's chain and
    /// size now; `record`: the file as the harvest knew it; `rewrite`: a complete file written again
    /// (`rewrite(…) == .copy`); `cached`: whether the write cache holds a cluster.
    ///
    /// Whole clusters, the last one included: while a file grows, its archive file may run up to a cluster past
    /// the car's size (the slack the car wrote too); `finalize` trims it once the file is complete or deleted.
    public static func placement(of record: ArchivedFile, clusters: [UInt32], size: UInt64, rewrite: Bool,
                                 cached: (UInt32) -> Bool, contested: Set<UInt32>, files: ArchiveIndex,
                                 map: ClusterMap, clusterSize: Int) -> [HarvestStep] {
        let clusterBytes = UInt64(clusterSize)
        let id = record.id
        var steps: [HarvestStep] = []
        for (i, cluster) in clusters.enumerated() {
            let start = UInt64(i) * clusterBytes, index = UInt32(i)
            guard !contested.contains(cluster) else { continue }
            // A complete file's archive ends at its size: its last, partial cluster is copied (`rewritePlan`).
            if rewrite && start + clusterBytes > size { continue }
            // Linux chains a cluster when the car writes it and updates the entry's size only when that file is
            // synced; another camera's fsync brings the chain first. A chained cluster past the size is still
            // this file's, at this position (`finalize` trims it if the size never comes).
            let isCached = cached(cluster)
            guard start < size || (isCached && !record.isSealed) else { continue }
            if isCached {
                steps.append(.place(cluster: cluster, file: id, index: index, from: .cache))
            } else if let from = map[cluster].placement, from != (id, index), files[from.file]?.isPending == true {
                steps.append(.place(cluster: cluster, file: id, index: index, from: .pending(file: from.file, index: from.index)))
            } else if map[cluster] == .staged, start + clusterBytes <= size || record.previousSize != size {
                // (A file that stopped growing keeps its last cluster in staging: `finalize` put it there.)
                steps.append(.place(cluster: cluster, file: id, index: index, from: .staging))
            }
        }
        return steps
    }

    // MARK: Rewrites of complete files

    /// What a pass does with a file the car wrote again.
    public enum Rewrite: Sendable, Equatable {
        /// Not sealed, or its size changed (judged as a change, not a rewrite): placed as any live file.
        case notARewrite
        /// Sealed, nothing new for it (or not a flush: the car's metadata may still be on its way).
        case leave
        /// The archive's disk refused writes in this pass: the copy is owed to the next pass.
        case owe
        /// Place its rewritten clusters and copy the rest (`rewritePlan`).
        case copy
    }

    /// A complete file the car writes again without changing its size (the muxer seeking back to the mdat size
    /// once the moov is out) is placed at a flush only: Linux syncs the FAT with every fsync, so if the car had
    /// freed such a cluster and given it to a new file, the FAT would show it by then. `owed`: an earlier copy was
    /// refused; `written`: the car wrote one of its clusters since the last flush.
    public static func rewrite(_ record: ArchivedFile, size: UInt64, flush: Bool, owed: Bool, written: Bool,
                               archiveRefused: Bool) -> Rewrite {
        guard record.isSealed && size == record.size else { return .notARewrite }
        guard flush, owed || written else { return .leave }
        return archiveRefused ? .owe : .copy
    }

    /// After a rewrite's clusters were placed: the rest copied in, then `rewritten` and `complete` (a sink uploads
    /// the final bytes), told only once the archive has them.
    public static func rewritePlan(_ record: ArchivedFile, map: ClusterMap, clusterSize: Int) -> HarvestPlan {
        HarvestPlan(steps: copies(into: record, map: map, clusterSize: clusterSize), events: [
            PlannedEvent(event(.rewritten, record, record.size), requiresCopiesOf: record.id),
            PlannedEvent(event(.complete, record, record.size), requiresCopiesOf: record.id),
        ])
    }

    // MARK: Flush and memory

    /// At a flush, the clusters of files whose entry vanished while their chain stays allocated (`allocated`: the
    /// FAT's answer) that still live in their archive file go to staging: nothing durable ties the chain to that
    /// archive file, and recovery, which places only files the volume names, finds them there.
    public static func stageVanished(_ ids: some Sequence<UInt32>, files: ArchiveIndex, map: ClusterMap,
                                     allocated: (UInt32) -> Bool) -> [HarvestStep] {
        var steps: [HarvestStep] = []
        for id in ids {
            guard let record = files[id] else { continue }
            for (i, cluster) in record.clusters.enumerated()
            where map[cluster] == .placed(file: id, index: UInt32(i)) && allocated(cluster) {
                steps.append(.stage(cluster: cluster, file: id, index: UInt32(i)))
            }
        }
        return steps
    }

    /// Pending chain files hold each cluster at the position its chain had when it was placed. A FAT rewrite since
    /// (a chain cut short or relinked, by a hostile host) can leave one where recovery, which follows the FAT from
    /// the file's head, will not look, and nothing durable says where it is: at a flush such clusters, still
    /// allocated, go to staging, which is indexed by cluster. `chain`: the record's chain as the FAT now has it, up
    /// to a length.
    public static func stageDisowned(_ pending: some Sequence<ArchivedFile>, map: ClusterMap,
                                     chain: (ArchivedFile, Int) -> [UInt32], allocated: (UInt32) -> Bool) -> [HarvestStep] {
        var steps: [HarvestStep] = []
        for record in pending where record.isPending {
            let placed = record.clusters.compactMap { cluster -> (UInt32, UInt32)? in
                guard let at = map[cluster].placement, at.file == record.id else { return nil }
                return (cluster, at.index)
            }
            guard let last = placed.map(\.1).max() else { continue }
            let now = chain(record, Int(last) + 1)
            for (cluster, index) in placed where (Int(index) >= now.count || now[Int(index)] != cluster) && allocated(cluster) {
                steps.append(.stage(cluster: cluster, file: record.id, index: index))
            }
        }
        return steps
    }

    /// At the car's flush: everything durable, then staging copies of clusters that reached their home given back
    /// (unless the car wrote the cluster again since, or it went back to staging).
    public static func flush(punching candidates: [UInt32], map: ClusterMap) -> HarvestPlan {
        HarvestPlan(steps: [.synchronize] + candidates.filter { !map[$0].isCached && map[$0] != .staged }
            .map { .punchStaging(cluster: $0) })
    }

    /// Of the records of deleted files (`retiring`), those to drop: none of their clusters is placed in their
    /// archive file any more (the car freed or reused them all) and their chain is not vanished (a move seen
    /// half-way may bring it back). `forget`: ids that left the retiring set otherwise (gone, or live again).
    public static func retirement(of retiring: Set<UInt32>, files: ArchiveIndex, vanished: [UInt32: UInt32],
                                  map: ClusterMap) -> (retire: [UInt32], forget: [UInt32]) {
        var retire: [UInt32] = [], forget: [UInt32] = []
        for id in retiring {
            guard let record = files[id], record.state == .deleted else { forget.append(id); continue }
            if vanished[record.head] == id || record.clusters.contains(where: { map[$0].placement?.file == id }) { continue }
            retire.append(id)
        }
        return (retire, forget)
    }

    /// Pending chains none of whose clusters live in their pending file any more (moved to their owner, or freed):
    /// their files go, and their records.
    public static func abandonedPending(_ files: ArchiveIndex, map: ClusterMap) -> [UInt32] {
        files.compactMap { id, record in
            guard record.isPending, !record.clusters.contains(where: { map[$0].placement?.file == id }) else { return nil }
            return id
        }
    }

    static func event(_ kind: HarvestEvent.Kind, _ record: ArchivedFile, _ size: UInt64) -> HarvestEvent {
        HarvestEvent(kind: kind, archivePath: record.path, carPath: record.carPath, size: size)
    }
}
