import CarFS
import FAT32
import Foundation
import Glibc
import HarvestCore
import Logging
import MP4

/// Places every data cluster the car writes into its final home, as DESIGN.md step 3 describes.
///
/// Data clusters first land in a bounded write cache (a drive's volatile cache). At a flush, or when the cache is
/// full, the car's tree is rebuilt from the FAT and directory clusters and each cached cluster goes to the archive
/// file that owns it, at `chain position × cluster size`: written once, in its final home. What has no owner yet
/// (or sits past a file's size) goes to the cluster-indexed staging area and is promoted when its owner appears.
/// Reads are served from wherever the bytes live: cache, staging, archive.
///
/// The shell of a pure core: this class observes (rebuilds the tree, reads a clip's boxes, reads the clock) and
/// asks HarvestCore's `HarvestPlanner` what to do: placement, rewrites of complete files, completion, deletion,
/// trimming, vanished chains, abandoned pending files, the flush's punches, retiring records. The plans it gets
/// back are carried out by the executor (Harvest+Executor.swift), whose failures are owed to the next pass.
/// Still decided here: matching the tree's files with records (new files, renames, names moved aside, empty
/// placeholders), pending chains for clusters no entry claims yet, spilling the cache, and retention's evictions.
///
/// Not thread-safe, and not Sendable: it lives inside the engine's locked state (`VolumeEngine.State`).
final class Harvest {
    let geometry: VolumeGeometry
    let clusterSize: Int
    let archive: ArchiveStore
    let staging: BackingFile
    let logger: Logger
    let cacheLimit: Int
    /// The clock of the quiet period, passed in so tests move time by hand.
    let now: @Sendable () -> ContinuousClock.Instant

    private(set) var fat: FATMirror
    private var tree = CarTree()
    private var treeDirty = true
    var files = ArchiveIndex()
    var idByHead: [UInt32: UInt32] = [:]
    /// Files whose entries vanished while their chain is still allocated: a move seen half-way, or a deletion.
    var vanished: [UInt32: UInt32] = [:]
    private var nextID: UInt32 = 1
    /// Where each cluster's current bytes live; the single source for reads and placement.
    var location: ClusterMap
    /// The bytes of the clusters whose location is `.cached`, in memory a crash of the process does not take.
    let cache: WriteCache
    /// Clusters the car wrote since the last flush: at a flush, those of a complete file are a rewrite of it.
    private var writtenSinceFlush: Set<UInt32> = []
    /// Records of files the car deleted, dropped once no cluster of theirs can still be read through the volume.
    var retiring: Set<UInt32> = []
    /// Staging ranges to give back once the archive copies are durable.
    private var punchAfterSync: [UInt32] = []
    /// Abandoned pending files to remove once staging and the archive are durable (`HarvestStep.unlink`).
    var unlinkAfterSync: Set<String> = []
    private var recovering = false
    /// At recovery: the heads of chains whose complete file a rewrite was under way in (`recordRewrite`) when the
    /// process ended: their archive file may hold bytes no `rewritten` told.
    private var interruptedRewrites: Set<UInt32> = []
    /// Empty archive files standing for entries without data yet (Linux writes a new file's entry before its
    /// first cluster); the file that later fills the entry takes the placeholder over.
    /// Each with where its entry was (directory, slot), to tell a renamed entry from a deleted one.
    private var emptyPlaceholders: [String: EntrySlot] = [:]
    private struct EntrySlot: Hashable { var parent: UInt32; var slot: Int }
    /// Sealed files whose copy into the archive failed (a full disk): placed again at each flush, as a rewrite,
    /// until it works; otherwise their archive file would keep the bytes it had when the disk filled.
    private var owedCopies: Set<UInt32> = []
    /// The archive's disk refused a write in this pass (out of space): owed copies wait for the next one rather
    /// than read every cluster again only to be refused (which slowed the car tenfold).
    var archiveRefused = false

    var statistics = HarvestStatistics()
    private(set) var errors: [BackingStoreError] = []
    var events: [HarvestEvent] = []

    init(geometry: VolumeGeometry, archive: ArchiveStore, staging: BackingFile, logger: Logger,
         cacheLimit: Int = VolumeEngine.defaultCacheLimit, cache: WriteCache? = nil,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.geometry = geometry
        self.now = now
        clusterSize = geometry.clusterSize
        self.archive = archive
        self.staging = staging
        self.logger = logger
        self.cacheLimit = cacheLimit
        // Twice the limit to start with: a write lands before the pass that makes room.
        self.cache = cache ?? WriteCache(path: nil, identity: .init(volumeID: 0, formattedAt: 0, geometry: geometry),
                                         slots: 2 * cacheLimit / geometry.clusterSize, logger: logger)
        fat = FATMirror(clusterCount: geometry.clusterCount)
        location = ClusterMap(clusterCount: geometry.clusterCount)
    }

    private var lastCluster: UInt32 { geometry.clusterCount + 1 }

    /// A new archived-file id.
    func allocateID() -> UInt32 {
        defer { nextID += 1 }
        return nextID
    }
    func stagingOffset(_ cluster: UInt32) -> UInt64 { UInt64(cluster - 2) * UInt64(clusterSize) }

    // MARK: Recovery

    /// Rebuilds the harvest's state after a restart from what is on disk: FAT1 from the metadata image, which
    /// clusters staging holds (its allocated ranges), and the archive files the car's tree names.
    func recover(metadata: BackingFile) {
        // In 1 MiB pieces: a 128 GiB volume's FAT is 16 MiB, and the mirror already holds one copy.
        let fatLength = min(geometry.fatBytes, (UInt64(geometry.clusterCount) + 2) * 4)
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var done: UInt64 = 0
        while done < fatLength {
            let n = Int(min(UInt64(piece.count), fatLength - done))
            do {
                try piece.withUnsafeMutableBytes { buffer in
                    try metadata.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]),
                                      at: geometry.fatOffset(copy: 0) + done)
                }
            } catch { note(error) }
            piece.withUnsafeBytes { _ = fat.apply(UnsafeRawBufferPointer(rebasing: $0[0..<n]), atFATByte: done) }
            done += UInt64(n)
        }
        for range in staging.dataRanges() {
            var cluster = UInt32(range.lowerBound / UInt64(clusterSize)) + 2
            let end = UInt32((range.upperBound + UInt64(clusterSize) - 1) / UInt64(clusterSize)) + 2
            while cluster < end && cluster <= lastCluster {
                location[cluster] = .staged
                cluster += 1
            }
        }
        // Pending chains written before a crash: their clusters live in the pending files.
        for name in archive.contents(of: Self.pendingDirectory) {
            guard name.hasPrefix("chain-"), let head = UInt32(name.dropFirst(6)), fat.isValidCluster(head),
                  idByHead[head] == nil, let length = archive.size(of: "\(Self.pendingDirectory)/\(name)") else { continue }
            let chain = fat.chain(from: head, limit: Int((length + UInt64(clusterSize) - 1) / UInt64(clusterSize)))
            let id = nextID
            nextID += 1
            files[id] = ArchivedFile(id: id, path: "\(Self.pendingDirectory)/\(name)", carPath: "", head: head, size: 0,
                                     clusters: chain.clusters, state: .growing, isPending: true, previousSize: nil)
            idByHead[head] = id
            // A pending file is sparse: it holds the clusters placed into it, at their chain positions, and only
            // those (one made just before the end holds none, though the chain always has its head).
            let held = (try? archive.handle(id, "\(Self.pendingDirectory)/\(name)").dataRanges()) ?? []
            for (i, cluster) in chain.clusters.enumerated() where location[cluster] != .staged {
                let bytes = UInt64(i) * UInt64(clusterSize)..<UInt64(i + 1) * UInt64(clusterSize)
                guard held.contains(where: { $0.overlaps(bytes) }) else { continue }
                location[cluster] = .placed(file: id, index: UInt32(i))
            }
        }
        takeBackCache()
        restoreInterruptedMoves()
        adoptUnnamedMoves()
        interruptedRewrites = recordedRewrites()
        recovering = true
        treeDirty = true
        // Its events (clips that complete now, files moved aside) wait for the engine's first drain, when the
        // catalog listens: a kill can come between a pass and the catalog's write of what it said.
        pass(synchronize: true)
        // A crash left growing files with the slack of their last cluster: trimmed now, as a clean stop does, so
        // the archive matches the volume from the start (the slack is in staging for the volume).
        for record in files.values where record.state == .growing && !record.isPending { finalize(record) }
        // Staging first: it received the clusters the archive files stop holding.
        do { try staging.synchronize() } catch { note(error) }
        do { try archive.synchronize() } catch { note(error) }
        forgetMoves(through: archive.journalMark)
        // The `rewritten` of an interrupted rewrite waits for the first drain: its line stays until that is told.
        for head in interruptedRewrites {
            if let id = idByHead[head], let record = files[id] { _ = recordRewrite(of: record) }
        }
        interruptedRewrites = []
        removeUnlinkedPendingFiles()
        recovering = false
        logger.notice("harvest state recovered", metadata: [
            "files": "\(files.count)", "stagedClusters": "\(location.stagedCount)",
        ])
    }

    /// The clusters a killed process left in the write cache are the car's newest bytes of them: cached again, as
    /// if the car had just written them, before the recovery's pass places them.
    private func takeBackCache() {
        for cluster in cache.restored where cache.contains(cluster) {
            location[cluster] = .cached(staleCopyStaged: location[cluster].hasStagedCopy)
            writtenSinceFlush.insert(cluster)
        }
        statistics.cachedBytes = UInt64(cache.count) * UInt64(clusterSize)
        statistics.cachePeakBytes = max(statistics.cachePeakBytes, statistics.cachedBytes)
        statistics.cacheClustersTakenBack += UInt64(cache.restored.count)
    }

    // MARK: Car I/O

    /// The car changed bytes of FAT1 at `fatByteOffset`. Returns the clusters the write freed (ascending), from
    /// the mirror's own diff. With `discarding` (the engine gives freed clusters back) the harvest lets go of
    /// them; otherwise the volume is a plain block device whose freed clusters still read back their bytes.
    func fatChanged(_ bytes: UnsafeRawBufferPointer, at fatByteOffset: UInt64, discarding: Bool) -> [UInt32] {
        let changed = fat.apply(bytes, atFATByte: fatByteOffset)
        treeDirty = true
        // A changed entry that reads free now was allocated before.
        let freed = changed.filter { fat.isValidCluster($0) && fat.entry($0).kind == .free }
        if discarding { for cluster in freed { clusterFreed(cluster) } }
        return freed
    }

    /// The car freed `cluster` in FAT1: its bytes stay in the archived file, frozen; the volume reads zeros.
    private func clusterFreed(_ cluster: UInt32) {
        uncache(cluster)
        location[cluster] = .unwritten
        vanished.removeValue(forKey: cluster)
    }

    /// A write of the car into the data region (`offset` is relative to cluster 2).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) {
        statistics.carDataBytesWritten += UInt64(bytes.count)
        forEachCluster(at: offset, count: bytes.count) { cluster, inCluster, range in
            let piece = UnsafeRawBufferPointer(rebasing: bytes[range])
            if cluster > lastCluster {
                // The disk's tail past the last whole cluster: plain storage.
                do { try staging.write(piece, at: offset + UInt64(range.lowerBound)) } catch { note(error) }
                return
            }
            writtenSinceFlush.insert(cluster)
            let buffer = cache[cluster] ?? {
                statistics.cachedBytes += UInt64(clusterSize)
                return cache.insert(cluster) { fresh in
                    // Overwritten whole: the copy below fills every byte. Otherwise the cluster's current bytes;
                    // one never written holds zeros (staging is a hole there): no read needed.
                    guard piece.count < clusterSize else { return }
                    if !location[cluster].isWritten {
                        fresh.initializeMemory(as: UInt8.self, repeating: 0)
                    } else {
                        read(cluster: cluster, into: fresh, at: 0)
                    }
                }
            }()
            buffer.baseAddress!.advanced(by: inCluster).copyMemory(from: piece.baseAddress!, byteCount: piece.count)
            // A staged copy left behind is stale now; staging gives it back once the cluster finds its home.
            location[cluster] = .cached(staleCopyStaged: location[cluster].hasStagedCopy)
            if tree.directoryClusters.contains(cluster) { treeDirty = true }
        }
        statistics.cachePeakBytes = max(statistics.cachePeakBytes, statistics.cachedBytes)
        // A pass for room; its events wait for the engine's next drain (dropping them lost completions).
        if statistics.cachedBytes > UInt64(cacheLimit) { pass(synchronize: false) }
    }

    /// Splits `count` bytes of the data region at `offset` (relative to cluster 2) into one piece per cluster:
    /// `body(cluster, offset in the cluster, range of the caller's buffer)`.
    private func forEachCluster(at offset: UInt64, count: Int, _ body: (UInt32, Int, Range<Int>) -> Void) {
        var done = 0
        while done < count {
            let position = offset + UInt64(done)
            let inCluster = Int(position % UInt64(clusterSize))
            let n = min(count - done, clusterSize - inCluster)
            body(UInt32(position / UInt64(clusterSize)) + 2, inCluster, done..<done + n)
            done += n
        }
    }

    /// Drops a cluster's bytes from the cache (the caller sets its new location); its slot takes the next one.
    private func uncache(_ cluster: UInt32) {
        guard cache.contains(cluster) else { return }
        cache.remove(cluster)
        statistics.cachedBytes -= UInt64(clusterSize)
    }

    /// A cached or staged cluster reached its home in an archive file: its buffer goes back, and a staged copy
    /// (now stale) is given back once the archive is durable.
    func home(_ cluster: UInt32, at placement: ClusterLocation) {
        let stale = location[cluster].hasStagedCopy
        uncache(cluster)
        location[cluster] = placement
        if stale { punchAfterSync.append(cluster) }
    }

    /// Fills `buffer` with the data region's bytes at `offset` (relative to cluster 2).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        forEachCluster(at: offset, count: buffer.count) { cluster, inCluster, range in
            read(cluster: cluster, into: UnsafeMutableRawBufferPointer(rebasing: buffer[range]), at: inCluster)
        }
    }

    private func read(cluster: UInt32, into piece: UnsafeMutableRawBufferPointer, at inCluster: Int) {
        if let cached = cache[cluster] {
            piece.copyMemory(from: UnsafeRawBufferPointer(rebasing: cached[inCluster..<inCluster + piece.count]))
            return
        }
        do {
            if cluster <= lastCluster, let place = location[cluster].placement, let file = files[place.file] {
                try archive.read(file.id, file.path, into: piece,
                                 at: UInt64(place.index) * UInt64(clusterSize) + UInt64(inCluster))
            } else {
                try staging.read(into: piece, at: stagingOffset(cluster) + UInt64(inCluster))
            }
        } catch {
            // The car gets zeros rather than an error that would stop it recording.
            piece.initializeMemory(as: UInt8.self, repeating: 0)
            note(error)
        }
    }

    func currentBytes(of cluster: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: clusterSize)
        bytes.withUnsafeMutableBytes { read(cluster: cluster, into: $0, at: 0) }
        return bytes
    }

    // MARK: The harvest pass

    /// Places every cached cluster, promotes staged clusters whose owner is now known, follows renames and
    /// deletions, and judges completeness. With `synchronize`, makes it all durable: the car's flush, or with
    /// `carFlush` false the engine's own writeback (`VolumeEngine.writeBack`), which leaves data no chain claims
    /// in the cache and does not take the pass for the car's flush (a sealed file's rewrite waits for one).
    /// Returns the events of this pass and of any pass cache pressure ran since the last drain.
    @discardableResult
    func drain(synchronize: Bool, carFlush: Bool = true) -> [HarvestEvent] {
        pass(synchronize: synchronize, carFlush: carFlush)
        defer { events.removeAll() }
        return events
    }

    private func pass(synchronize: Bool, carFlush: Bool = true) {
        let started = ContinuousClock.now
        archiveRefused = false
        if treeDirty {
            tree = CarTree.build(fat: fat, clusterSize: clusterSize, rootCluster: VolumeGeometry.rootCluster,
                                 readCluster: currentBytes)
            treeDirty = false
            if tree.problems.count != statistics.problems, !tree.problems.isEmpty {
                logger.warning("the car's file system has problems; the harvest works around them", metadata: [
                    "problems": "\(tree.problems.prefix(5).map(\.description))", "count": "\(tree.problems.count)",
                ])
            }
            statistics.problems = tree.problems.count
        }
        let live = reconcile()
        place(live, flush: synchronize && carFlush)
        placeOrphanChains()
        // A flush makes everything durable; cache pressure only makes room (half the cache), keeping the rest for
        // the metadata that usually follows the data within the same writeback. The engine's writeback makes the
        // car's directories durable and keeps the data no chain claims yet.
        if synchronize && !carFlush {
            spillDirectories()
        } else {
            spillCache(downTo: synchronize ? 0 : UInt64(cacheLimit / 2))
        }
        removeAbandonedPendingFiles()
        resize(live)
        judge(live)
        retire()
        owedCopies = owedCopies.filter { files[$0]?.state == .complete }  // reopened, deleted or evicted: not owed
        if synchronize {
            // Only the car's flush says its metadata for those writes is out (`HarvestPlanner.rewrite`).
            if carFlush { writtenSinceFlush.removeAll() }
            stageVanishedClusters()
            stageDisownedPendingClusters()
            execute(HarvestPlanner.flush(punching: punchAfterSync, map: location))
            punchAfterSync.removeAll()
        }
        statistics.passes += 1
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        statistics.longestPassSeconds = max(statistics.longestPassSeconds, seconds)
    }

    /// Matches the tree's files with archived files: new ones, renames (same chain, new entry), deletions.
    /// Returns the live files, each with its archived-file id.
    private func reconcile() -> [(file: CarFile, id: UInt32)] {
        var live: [(CarFile, UInt32)] = []
        var seen: Set<UInt32> = []
        let groups = Dictionary(grouping: tree.files, by: \.head)
        for (head, claimants) in groups.sorted(by: { $0.key < $1.key }) {
            if head == 0 {
                // Empty files: the archive shows them too, as empty files.
                for file in claimants where file.size == 0 {
                    let relative = ArchivePath.relative(file.path)
                    if !archive.exists(relative), !pathInUse(relative) {
                        let id = nextID
                        nextID += 1
                        do { try archive.setSize(id, relative, 0) } catch { note(error) }
                        archive.release(id)
                        emptyPlaceholders[relative] = EntrySlot(parent: file.parentHead, slot: file.slot)
                    } else if recovering, archive.size(of: relative) == 0 {
                        // Made before a restart.
                        emptyPlaceholders[relative] = EntrySlot(parent: file.parentHead, slot: file.slot)
                    }
                }
                continue
            }
            var existing = idByHead[head] ?? vanished[head]
            // A rename seen half-way: the old and the new entry both point at the chain; keep the old name until
            // the car finishes.
            let file = existing.flatMap { id in claimants.first { $0.pathString == files[id]?.carPath } }
                ?? claimants.first { !$0.clusters.isEmpty } ?? claimants[0]
            let relative = ArchivePath.relative(file.path)
            // After a restart, a pending file of a chain whose entry the recovered volume still names (a kill or a
            // cut came after the pass that saw the entry vanish, before the car's directory without it was
            // durable) holds only the clusters cached since; the file's flushed clusters are in its archive file.
            // That file is adopted (the pending file's clusters are copied into it and the pending file goes),
            // rather than moved aside by the pending file taking its path.
            if recovering, let known = existing, files[known]?.isPending == true, (archive.size(of: relative) ?? 0) > 0,
               !pathInUse(relative) {
                existing = nil
            }
            let id: UInt32
            if let known = existing, var record = files[known], record.isPending {
                // The entry for a pending chain arrived: the pending file becomes the clip, renamed, not copied.
                id = known
                if emptyPlaceholders.removeValue(forKey: relative) != nil, archive.size(of: relative) == 0, !pathInUse(relative) {
                    try? archive.remove(relative)  // the entry's stand-in while it had no data
                }
                if rename(&record, to: relative, carPath: file.pathString) {
                    record.isPending = false
                    events.append(HarvestEvent(kind: .created, archivePath: relative, carPath: file.pathString,
                                               size: file.size))
                }
                files[id] = record
            } else if let known = existing, var record = files[known] {
                id = known
                if record.carPath != file.pathString {
                    let previous = record.path
                    if rename(&record, to: relative, carPath: file.pathString) {
                        events.append(HarvestEvent(kind: .moved, archivePath: relative, carPath: file.pathString,
                                                   size: file.size, previousPath: previous))
                    }
                }
                if record.state == .deleted { record.state = .growing }
                vanished.removeValue(forKey: head)
                files[id] = record
            } else {
                id = nextID
                nextID += 1
                // Another record may hold the path before its file exists on disk (nothing placed yet): two
                // records must never share a file, so the placeholder or the older file is adopted only if free.
                let free = !pathInUse(relative)
                let placeholder = emptyPlaceholders.removeValue(forKey: relative) != nil && archive.size(of: relative) == 0 && free
                let adopt = (recovering && archive.size(of: relative) != nil && free) || placeholder
                if !adopt { clear(relative) }
                files[id] = ArchivedFile(id: id, path: relative, carPath: file.pathString, head: head, size: file.size,
                                         clusters: file.clusters, state: .growing, previousSize: nil)
                if adopt && !placeholder {
                    // Its size as the archive left it: judged complete at the next pass if nothing changes.
                    files[id]?.previousSize = file.size
                    if interruptedRewrites.contains(head) {
                        // Its archive file may hold a rewrite's bytes that no event told: said now, so the catalog
                        // hashes the file again at its next `complete` rather than keep the old hash.
                        events.append(HarvestEvent(kind: .rewritten, archivePath: relative, carPath: file.pathString,
                                                   size: file.size))
                    }
                    // After a restart the archive file holds every cluster staging does not, including clusters
                    // chained past the entry's size that were placed before the crash (up to the file's length).
                    // (A cluster a pending file holds has newer bytes there: placement copies it over.)
                    let held = max(file.size, archive.size(of: relative) ?? 0)
                    for (i, cluster) in file.clusters.enumerated()
                    where UInt64(i) * UInt64(clusterSize) < held && location[cluster] != .staged
                        && location[cluster].placement.map({ files[$0.file]?.isPending != true }) ?? true {
                        location[cluster] = .placed(file: id, index: UInt32(i))
                    }
                }
                if !adopt || placeholder {
                    events.append(HarvestEvent(kind: .created, archivePath: relative, carPath: file.pathString,
                                               size: file.size))
                }
            }
            idByHead[head] = id
            seen.insert(id)
            live.append((file, id))
        }
        for (head, id) in idByHead where !seen.contains(id) {
            guard let record = files[id], !record.isPending else { continue }
            idByHead.removeValue(forKey: head)
            let (deleted, plan) = HarvestPlanner.delete(record, map: location, clusterSize: clusterSize)
            files[id] = deleted
            retiring.insert(id)
            // The chain may reappear under a new entry (a move whose new entry arrives later).
            if fat.entry(head).kind != .free {
                vanished[head] = id
                recordVanished(record)
            }
            execute(plan)
        }
        // A placeholder whose entry's slot now names another path never was a file: its short name seen before
        // Linux wrote the long-name slots, or an empty file renamed before it had data. It goes (unless a record
        // took the path since: that file is real). A deleted empty file keeps its placeholder: that is its harvest.
        if !emptyPlaceholders.isEmpty {
            var bySlot: [EntrySlot: String] = [:]
            for file in tree.files { bySlot[EntrySlot(parent: file.parentHead, slot: file.slot)] = ArchivePath.relative(file.path) }
            for (path, slot) in emptyPlaceholders {
                guard let now = bySlot[slot], now != path, !pathInUse(path), archive.size(of: path) == 0 else { continue }
                emptyPlaceholders.removeValue(forKey: path)
                do { try archive.remove(path) } catch { note(error) }
            }
        }
        return live
    }

    /// Renames a record's archive file to `relative`, moving aside whatever stood there; false if the rename
    /// failed (the record keeps its old path and is tried again at the next pass).
    private func rename(_ record: inout ArchivedFile, to relative: String, carPath: String) -> Bool {
        clear(relative, keeping: record.id)
        do {
            if let aside = try archive.rename(from: record.path, to: relative, head: record.head) {
                movedAside(from: relative, to: aside)
            }
        } catch {
            note(error)
            return false
        }
        record.path = relative
        record.carPath = carPath
        return true
    }

    /// Makes `relative` free for the file about to take it: whatever holds it moves aside to the first free
    /// `relative.N`, a file on disk as well as records whose file is not written yet (the car, or a hostile
    /// host, can give many entries one name). Two records never share an archive file.
    private func clear(_ relative: String, keeping id: UInt32? = nil) {
        if let id, files[id]?.path == relative { return }
        let onDisk = archive.exists(relative)
        guard onDisk || pathInUse(relative) else { return }
        var n = 1
        while archive.exists("\(relative).\(n)") || pathInUse("\(relative).\(n)") { n += 1 }
        let aside = "\(relative).\(n)"
        if onDisk {
            do { try archive.rename(from: relative, to: aside) } catch { note(error); return }
        }
        movedAside(from: relative, to: aside)
    }

    /// Some archived file (live, deleted or pending) already has this archive path.
    private func pathInUse(_ relative: String) -> Bool { files.holds(relative) }

    /// An older archived file stood where a new one goes (the car overwrote or reused the name): it was renamed
    /// to `aside`, never overwritten.
    private func movedAside(from relative: String, to aside: String) {
        var carPath = relative
        for id in files.ids(at: relative) {
            guard let record = files[id] else { continue }
            files[id]?.path = aside
            carPath = record.carPath
            archive.release(id)
        }
        events.append(HarvestEvent(kind: .moved, archivePath: aside, carPath: carPath, size: archive.size(of: aside) ?? 0,
                                   previousPath: relative))
    }

    /// Writes cached clusters with a known owner into the owner's archive file; promotes staged ones
    /// (`HarvestPlanner.placement`), and carries out rewrites of complete files (`HarvestPlanner.rewrite`).
    private func place(_ live: [(file: CarFile, id: UInt32)], flush: Bool) {
        for (file, id) in live { follow(file, id) }
        for (file, id) in live {
            guard let record = files[id] else { continue }
            let decision = HarvestPlanner.rewrite(
                record, size: file.size, flush: flush, owed: owedCopies.contains(id),
                written: flush && file.clusters.contains(where: { writtenSinceFlush.contains($0) }),
                archiveRefused: archiveRefused)
            switch decision {
            case .leave: continue
            case .owe: owedCopies.insert(id); continue
            case .notARewrite, .copy: break
            }
            let rewrite = decision == .copy
            // Its archive file changes in place before this flush can tell `rewritten`: recorded durably first, so
            // that a cut or a kill in between makes recovery tell it (`interruptedRewrites`).
            if rewrite && !recordRewrite(of: record) { owedCopies.insert(id); continue }
            execute(HarvestPlan(steps: HarvestPlanner.placement(
                of: record, clusters: file.clusters, size: file.size, rewrite: rewrite, cached: { cache.contains($0) },
                contested: tree.contested, files: files, map: location, clusterSize: clusterSize)))
            if rewrite, let record = files[id] {
                // Told once the archive has the new bytes: a copy the disk refused is owed, not yet a rewrite.
                let result = execute(HarvestPlanner.rewritePlan(record, map: location, clusterSize: clusterSize))
                guard result.refusedCopies.isEmpty else { owedCopies.insert(id); continue }
                owedCopies.remove(id)
                statistics.filesRewritten += 1
            }
        }
    }

    /// Keeps placement true to the FAT: a cluster placed at position `i` of a file whose chain no longer has it
    /// there (the car, or a hostile host, rewrote the FAT) moves to staging before its position is reused, or the
    /// next cluster placed at `i` would overwrite bytes the volume must still read back.
    private func follow(_ file: CarFile, _ id: UInt32) {
        guard let record = files[id], record.clusters != file.clusters else { return }
        for cluster in record.clusters {
            guard let at = location[cluster].placement, at.file == id else { continue }
            let i = Int(at.index)
            if i < file.clusters.count && file.clusters[i] == cluster { continue }
            evict(cluster, from: record, index: at.index)
        }
        files[id]?.clusters = file.clusters
    }

    /// Moves a cluster placed in `record` at `index` from its archive file to staging.
    func evict(_ cluster: UInt32, from record: ArchivedFile, index: UInt32) {
        guard location[cluster] == .placed(file: record.id, index: index) else { return }
        var bytes = [UInt8](repeating: 0, count: clusterSize)
        do {
            try bytes.withUnsafeMutableBytes { buffer in
                try archive.read(record.id, record.path, into: buffer, at: UInt64(index) * UInt64(clusterSize))
            }
            try bytes.withUnsafeBytes { buffer in try staging.write(buffer, at: stagingOffset(cluster)) }
            statistics.stagingBytesWritten += UInt64(clusterSize)
            location[cluster] = .staged
        } catch {
            // Left placed: the archive still holds its bytes until something overwrites that position.
            note(error)
        }
    }

    /// At shutdown: every growing file is trimmed to the car's size, so the archive matches the volume while the
    /// daemon is down (a restart picks the slack up from staging).
    func finish() -> [HarvestEvent] {
        finishing = true
        defer { finishing = false }
        let events = drain(synchronize: false)
        for record in files.values where record.state == .growing { finalize(record) }
        do { try archive.synchronize() } catch { note(error) }
        return events
    }

    /// Trims an archive file to the car's size (`HarvestPlanner.finalize`); a copy the disk refused is owed.
    private func finalize(_ record: ArchivedFile, live: Bool = true) {
        let result = execute(HarvestPlan(steps: HarvestPlanner.finalize(record, map: location, clusterSize: clusterSize,
                                                                         live: live)))
        if !result.refusedCopies.isEmpty { owedCopies.insert(record.id) }
    }

    static let pendingDirectory = ".teslacam-pending"

    /// Cached clusters that the FAT chains but no directory entry claims yet (Linux wrote one camera's FAT sector
    /// with another camera's fsync): placed into a pending file per chain, at their position from the chain's
    /// head, so the entry that arrives later costs a rename instead of a copy out of staging.
    private func placeOrphanChains() {
        let candidates = cache.clusters.filter { cluster in
            fat.entry(cluster).kind != .free && !tree.directoryClusters.contains(cluster) && !tree.contested.contains(cluster)
        }
        guard !candidates.isEmpty else { return }
        var claimed = Set<UInt32>()
        let wanted = Set(candidates)
        for file in tree.files { for cluster in file.clusters where wanted.contains(cluster) { claimed.insert(cluster) } }
        let orphans = candidates.filter { !claimed.contains($0) }
        guard !orphans.isEmpty else { return }
        // Who points at whom, once per pass: FAT chains only link forwards. (Allocated entries only: free pages
        // of a large volume cost nothing.)
        var predecessor: [UInt32: UInt32] = [:]
        fat.forEachAllocated { cluster, entry in
            if case let .next(next) = entry.kind, fat.isValidCluster(next) { predecessor[next] = cluster }
        }
        let size = UInt64(clusterSize)
        for cluster in orphans.sorted() {
            var head = cluster, index: UInt32 = 0
            while let previous = predecessor[head], index < geometry.clusterCount {
                head = previous
                index += 1
            }
            guard index < geometry.clusterCount, cache.contains(cluster) else { continue }
            let id: UInt32
            if let known = idByHead[head], files[known]?.isPending == true {
                id = known
            } else if idByHead[head] == nil {
                id = nextID
                nextID += 1
                files[id] = ArchivedFile(id: id, path: "\(Self.pendingDirectory)/chain-\(head)", carPath: "", head: head,
                                         size: 0, clusters: [], state: .growing, isPending: true, previousSize: nil)
                idByHead[head] = id
            } else {
                continue
            }
            guard let record = files[id] else { continue }
            // The chain changed since an earlier cluster took this position: that one moves out first.
            for other in record.clusters where other != cluster && location[other] == .placed(file: id, index: index) {
                evict(other, from: record, index: index)
            }
            guard let buffer = cache[cluster] else { continue }
            do {
                try archive.write(id, record.path, UnsafeRawBufferPointer(buffer), at: UInt64(index) * size)
                statistics.archiveBytesWritten += size
                if !record.clusters.contains(cluster) { files[id]?.clusters.append(cluster) }
                home(cluster, at: .placed(file: id, index: index))
            } catch { note(error) }
        }
    }

    /// After a synchronization (staging, `metadata.img` and the archive durable): the car's metadata is durable
    /// for the moves recorded up to `moves`, and abandoned pending files can go.
    func synchronized(moves: UInt64?) {
        if let moves { forgetMoves(through: moves) }
        removeUnlinkedPendingFiles()
    }

    private func removeUnlinkedPendingFiles() {
        // (A pending file of the same chain made since takes the same path: it stays.)
        for path in unlinkAfterSync where !files.holds(path) {
            do throws(BackingStoreError) { try archive.remove(path) } catch where error.code == ENOENT {} catch { note(error) }
        }
        unlinkAfterSync.removeAll()
    }

    /// A pending file none of whose clusters live there any more (moved to their owner, or freed) goes away.
    private func removeAbandonedPendingFiles() {
        for id in HarvestPlanner.abandonedPending(files, map: location) {
            guard let record = files[id] else { continue }
            execute(HarvestPlan(steps: [.release(file: id), .unlink(file: id)]))
            files.removeValue(forKey: id)
            if idByHead[record.head] == id { idByHead.removeValue(forKey: record.head) }
        }
    }

    /// Whatever is still cached has no owner yet (or is a directory, or a tail): it goes to staging.
    private func spillCache(downTo target: UInt64) {
        for cluster in cache.clusters.sorted() {
            if statistics.cachedBytes <= target { break }
            spill(cluster)
        }
    }

    /// The cached clusters of the car's directories go to staging (the engine's writeback).
    private func spillDirectories() {
        for cluster in cache.clusters.sorted() where tree.directoryClusters.contains(cluster) { spill(cluster) }
    }

    /// One cached cluster into staging; on a refused write it stays cached and the next pass tries again.
    private func spill(_ cluster: UInt32) {
        guard let buffer = cache[cluster] else { return }
        do {
            try staging.write(UnsafeRawBufferPointer(buffer), at: stagingOffset(cluster))
            statistics.stagingBytesWritten += UInt64(clusterSize)
            uncache(cluster)
            location[cluster] = .staged
        } catch {
            note(error)
        }
    }

    private func resize(_ live: [(file: CarFile, id: UInt32)]) {
        for (file, id) in live {
            guard var record = files[id] else { continue }
            if file.size < record.size {
                execute(HarvestPlan(steps: HarvestPlanner.unplace(record, beyond: file.size, map: location,
                                                                  clusterSize: clusterSize)
                                        + [.setSize(file: id, size: file.size)]))
            }
            record.size = file.size
            record.clusters = file.clusters
            files[id] = record
        }
    }

    /// How long an MP4 whose boxes are unfinished must hold still before it is judged complete as it is.
    static let unfinishedMP4QuietPeriod = HarvestPlanner.unfinishedMP4QuietPeriod
    /// Set by `finish()`: at shutdown one flush is enough to judge a file.
    private var finishing = false

    /// A pass (recovery, cache pressure) said something no drain has handed over yet.
    var hasUndeliveredEvents: Bool { !events.isEmpty }

    /// Some growing file's size held still across a flush and waits only for the quiet period to pass.
    var awaitsQuietPeriod: Bool {
        files.values.contains { $0.state == .growing && !$0.isPending && $0.previousSize == $0.size }
    }

    /// Observes each live file (its chain, its clusters' presence, its boxes read through the volume) and carries
    /// out the planner's judgement of it (`HarvestPlanner.judge`).
    private func judge(_ live: [(file: CarFile, id: UInt32)]) {
        let now = now()
        let successors = ClipKey.haveSuccessors(live.map { ClipKey(name: $0.file.name, directory: Self.directory(of: $0.file)) })
        for ((file, id), hasSuccessor) in zip(live, successors) {
            guard let record = files[id] else { continue }
            // The successor rule only when the chain ends where the size does: a longer chain means the entry's
            // size is behind the data the car already wrote.
            let exact = file.clusters.count == file.neededClusters(clusterSize: clusterSize)
            let whole = record.state != .complete && file.size > 0 && file.isFullyChained(clusterSize: clusterSize)
                && HarvestPlanner.allPresent(file.clusters.prefix(file.neededClusters(clusterSize: clusterSize)), of: id,
                                             map: location, contested: tree.contested)
            let seen = FileObservation(size: file.size, isWhole: whole, boxesConsistent: whole ? boxVerdict(file) : nil,
                                       hasSuccessor: exact && hasSuccessor)
            let judgement = HarvestPlanner.judge(record, seen, map: location, clusterSize: clusterSize, now: now,
                                                 finishing: finishing)
            files[id] = judgement.record
            if judgement.completed {
                // What the car wrote before is in this completion; only later writes are rewrites.
                for cluster in file.clusters { writtenSinceFlush.remove(cluster) }
                statistics.filesCompleted += 1
            }
            if let latency = judgement.latency {
                if statistics.completionLatencies.count >= HarvestStatistics.latencySamples {
                    statistics.completionLatencies.removeFirst()
                }
                statistics.completionLatencies.append(Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18)
            }
            let result = execute(judgement.plan)
            if !result.refusedCopies.isEmpty { owedCopies.insert(id) }
        }
    }

    /// The directory of a car file, as `ClipKey` names a camera's series.
    static func directory(of file: CarFile) -> String { file.path.dropLast().joined(separator: "/") }

    /// Whether a file that begins like an MP4 (`ftyp`) has consistent boxes, read through the volume; nil for
    /// files that are not MP4s (encrypted clips, event.json, thumbnails).
    private func boxVerdict(_ file: CarFile) -> Bool? {
        let analysis = MP4.analyse(fileSize: file.size) { offset, count in
            var bytes = [UInt8](repeating: 0, count: Int(min(UInt64(count), file.size - min(offset, file.size))))
            var done = 0
            while done < bytes.count {
                let position = offset + UInt64(done)
                let index = Int(position / UInt64(clusterSize)), inCluster = Int(position % UInt64(clusterSize))
                let n = min(bytes.count - done, clusterSize - inCluster)
                guard index < file.clusters.count else { break }
                bytes.withUnsafeMutableBytes { raw in
                    read(cluster: file.clusters[index], into: UnsafeMutableRawBufferPointer(rebasing: raw[done..<done + n]),
                         at: inCluster)
                }
                done += n
            }
            return Array(bytes.prefix(done))
        }
        guard analysis.kind == .mp4 else { return nil }
        return analysis.isComplete
    }

    /// Drops the records of deleted files none of whose clusters is placed in their archive file any more (the
    /// car freed or reused them all): nothing reads through them, and the archive file stays on disk. Keeps the
    /// harvest's memory bounded by the car's live files, not by uptime.
    private func retire() {
        let (retire, forget) = HarvestPlanner.retirement(of: retiring, files: files, vanished: vanished, map: location)
        for id in forget { retiring.remove(id) }
        for id in retire {
            files.removeValue(forKey: id)
            retiring.remove(id)
            statistics.recordsRetired += 1
        }
        statistics.recordsHeld = files.count
    }

    func note(_ error: any Error) {
        let error = error as? BackingStoreError ?? BackingStoreError(operation: "harvest", path: archive.root, code: EIO)
        if error.isOutOfSpace { archiveRefused = true }
        errors.append(error)
    }

    /// Drains errors for the engine to log and count.
    func takeErrors() -> [BackingStoreError] {
        defer { errors.removeAll() }
        return errors
    }

    /// The car's current tree (rebuilt if stale), for the live view.
    func currentTree() -> CarTree {
        if treeDirty {
            tree = CarTree.build(fat: fat, clusterSize: clusterSize, rootCluster: VolumeGeometry.rootCluster,
                                 readCluster: currentBytes)
            treeDirty = false
        }
        return tree
    }

    // MARK: Retention

    /// Archive paths the car's volume still references: every file of the car's tree, live and pending records,
    /// and deleted records whose chain is still allocated (a move seen half-way may bring them back).
    func referencedPaths() -> Set<String> {
        var paths = Set(currentTree().files.map { ArchivePath.relative($0.path) })
        let vanishedIDs = Set(vanished.values)
        for record in files.values where isReferenced(record, vanished: vanishedIDs) { paths.insert(record.path) }
        return paths.union(emptyPlaceholders.keys)
    }

    /// `referencedPaths().contains(relative)` without building the set (one check per eviction).
    private func isReferenced(_ relative: String) -> Bool {
        if emptyPlaceholders[relative] != nil { return true }
        let vanishedIDs = Set(vanished.values)
        if files.ids(at: relative).contains(where: { files[$0].map { isReferenced($0, vanished: vanishedIDs) } ?? false }) { return true }
        return currentTree().files.contains { ArchivePath.relative($0.path) == relative }
    }

    private func isReferenced(_ record: ArchivedFile, vanished: Set<UInt32>) -> Bool {
        record.state != .deleted || record.isPending || vanished.contains(record.id)
    }

    /// Removes a file the volume no longer references from the archive (retention), returning what happened and
    /// the directories to fsync once the engine's lock is released.
    ///
    /// The file's record goes, and so do placements of its clusters: a cluster the FAT still allocates is moved
    /// to staging first (the volume reads the same); a freed one simply reads as zeros, like a discarded block.
    func evict(path relative: String) -> (outcome: EvictionOutcome, touched: [String]) {
        if let reason = archive.evictionRefusal(relative) { return (.refused(reason: reason), []) }
        if isReferenced(relative) { return (.referenced, []) }
        var stagedAny = false
        for id in files.ids(at: relative) {
            guard let record = files[id] else { continue }
            for cluster in record.clusters {
                guard let at = location[cluster].placement, at.file == id else { continue }
                if fat.entry(cluster).kind == .free {
                    location[cluster] = .unwritten
                    continue
                }
                evict(cluster, from: record, index: at.index)
                guard location[cluster] == .staged else {
                    return (.failed(takeErrors().first ?? BackingStoreError(operation: "evict", path: relative, code: EIO)), [])
                }
                stagedAny = true
            }
        }
        if stagedAny {
            // The staged copies must be durable before the only other copy goes.
            do { try staging.synchronize() } catch { return (.failed(error), []) }
        }
        for id in files.ids(at: relative) {
            guard let record = files[id] else { continue }
            archive.release(id)
            files.removeValue(forKey: id)
            if idByHead[record.head] == id { idByHead.removeValue(forKey: record.head) }
            for (head, vanishedID) in vanished where vanishedID == id { vanished.removeValue(forKey: head) }
        }
        let carDirectories = Set(tree.directories.map { ArchivePath.relative($0.path) })
        do {
            guard let removed = try archive.remove(relative, keepDirectory: carDirectories.contains) else {
                return (.notFound, [])
            }
            return (.evicted(bytes: removed.size), removed.touched)
        } catch {
            return (.failed(error), [])
        }
    }
}
