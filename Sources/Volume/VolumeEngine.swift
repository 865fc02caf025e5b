import CarFS
import FAT32
import Logging
import Synchronization

/// The emulated block device behind `volume.img`.
///
/// Any read or write of any length at any byte offset; reads return exactly what was last written; never-written
/// bytes read as zero. Metadata (boot sectors, FATs) lives in a small sparse image, data clusters in the
/// cluster-indexed sparse staging area, so a fresh 128 GiB volume costs only what has been written.
///
/// In-bounds reads and writes never fail: a failing board disk is logged and counted, and the refused bytes are held
/// in memory (and served from there) until the disk takes them. The holding happens in the backing files, below the
/// region routing, so every car write still reaches the FAT mirror and the harvest while the disk refuses writes.
/// `flush()` is a group commit.
public final class VolumeEngine: Sendable {
    public let manifest: VolumeManifest
    public let regions: RegionMap
    let metadata: BackingFile
    let staging: BackingFile
    let logger: Logger

    /// The engine's locks, always taken in this order (never the other way round, never re-entered):
    /// 1. `sync`: one flush (or settle) at a time, so events are published in the order they happened;
    /// 2. `state`: the car's I/O, the statistics and the harvest (its cluster map, records, cache);
    /// 3. `ArchiveStore.state`: the archive's open files, unsynced set and move journal (taken inside the harvest);
    /// 4. `BackingFile.hold`: each backing file's held pages (taken by its reads and writes).
    /// `subscribers` is taken alone, off the other locks.
    private struct State {
        /// Places data clusters into archive files; nil for a plain block device (no archive given). Behind the
        /// engine's lock, the only way to reach it: the harvest itself is not thread-safe.
        var harvest: Harvest?
        var statistics = VolumeStatistics()
        /// Bumped by every write; a flush covers all writes up to the sequence it read.
        var writeSequence: UInt64 = 0
        var bytesSinceWritebackHint = 0
        var lastErrorLog: ContinuousClock.Instant?
        /// When the oldest car write that no synchronization covers yet arrived; nil when everything is durable.
        var unsyncedSince: ContinuousClock.Instant?
    }
    private struct SyncState { var syncedSequence: UInt64 = 0 }

    private let state: Mutex<State>
    private let sync = Mutex(SyncState())
    /// Start kernel writeback this often so the next fsync has little to wait for.
    private static let writebackHintBytes = 8 << 20

    /// Punch holes under clusters the car frees in the primary FAT, so the disk holds only what the car still uses.
    /// Freed clusters then read as zero, like a discarded block on an SSD.
    public let discardsFreedClusters: Bool
    /// Memory for data pages the board's disk refused (`defaultHoldLimit`).
    public let holdLimit: Int
    /// Disk range of the primary FAT.
    private let primaryFAT: Range<UInt64>

    /// Set by `teslacam trace record`: every operation is also appended to a block trace.
    public let recorder: TraceRecorder?

    /// The write cache when none is configured. The Tesla-pattern bench needs 16 MiB to place every cluster
    /// directly (8 MiB spills: write amplification 1.16); the kernel-driven car peaks at 4 MiB. Each MiB is a MiB
    /// of the daemon's RSS when the car writes faster than its metadata arrives.
    public static let defaultCacheLimit = 16 << 20

    /// Memory for data the board's disk refuses (full, failing) when none is configured: on a Pi Zero 2 W
    /// (512 MiB) it leaves room for the cache, the catalog and the system. At the car's 3.5 MiB/s it rides out
    /// about 18 s of a disk retention cannot free; beyond it the car's new data is lost, loudly. The metadata
    /// image's refused pages are always held: its size (both FATs, a few MiB) bounds them.
    public static let defaultHoldLimit = 64 << 20

    /// How long a car write may wait in memory for a flush: older than this, `settle()` makes it durable on the
    /// car's behalf (`writeBack()`), as a drive's volatile cache drains on its own.
    ///
    /// The car's `sync` (sync(2)) on vfat writes every dirty buffer but sends no SYNCHRONIZE CACHE (FAT has no
    /// `sync_fs`); its fsyncs flush only the file synced. `mkdir TeslaCam/RecentClips` leaves the entry naming
    /// RecentClips in TeslaCam's directory cluster, which reaches the drive only with such a `sync`: held in the
    /// write cache until the next flush, a power cut lost it, and with it every clip under RecentClips (their bytes
    /// safe in pending chain files, but named by nothing). A USB stick has such writes on flash within milliseconds.
    public static let writebackDelay: Duration = .milliseconds(250)
    private let now: @Sendable () -> ContinuousClock.Instant

    /// The harvest's archive (also in the harvest, behind `state`), for its free space; nil for a plain device.
    private let archive: ArchiveStore?
    private var hasHarvest: Bool { archive != nil }
    private let subscribers = Mutex<[@Sendable ([HarvestEvent]) -> Void]>([])

    public init(manifest: VolumeManifest, metadata: BackingFile, staging: BackingFile, logger: Logger,
                discardsFreedClusters: Bool = true, recorder: TraceRecorder? = nil, archive: ArchiveStore? = nil,
                cacheLimit: Int = VolumeEngine.defaultCacheLimit, holdLimit: Int = VolumeEngine.defaultHoldLimit,
                cacheFile: String? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.manifest = manifest
        self.recorder = recorder
        self.archive = archive
        self.discardsFreedClusters = discardsFreedClusters
        self.holdLimit = holdLimit
        let g = manifest.geometry
        self.primaryFAT = g.fatOffset(copy: 0)..<(g.fatOffset(copy: 0) + min(g.fatBytes, (UInt64(g.clusterCount) + 2) * 4))
        self.regions = RegionMap(geometry: manifest.geometry)
        self.metadata = metadata
        self.staging = staging
        self.logger = logger
        self.now = now
        metadata.holdRefusedWrites(limit: nil, logger: logger)
        staging.holdRefusedWrites(limit: holdLimit, logger: logger)
        let harvest = archive.map {
            // Twice the limit to start with: a write lands before the pass that makes room.
            let cache = WriteCache(path: cacheFile, identity: .init(volumeID: manifest.volumeID,
                                                                    formattedAt: manifest.formattedAt, geometry: g),
                                   slots: 2 * cacheLimit / g.clusterSize, logger: logger)
            return Harvest(geometry: manifest.geometry, archive: $0, staging: staging, logger: logger,
                           cacheLimit: cacheLimit, cache: cache, now: now)
        }
        harvest?.recover(metadata: metadata)
        let recoveryErrors = harvest?.takeErrors() ?? []
        state = Mutex(State(harvest: harvest))
        // Counted like any other: a test (or `inspect`) can tell a recovery that hit the disk's errors.
        for error in recoveryErrors { state.withLock { record(error, in: &$0) } }
    }

    /// Calls `handler` with the harvest's lifecycle events after each pass (off the engine's lock).
    public func subscribe(_ handler: @escaping @Sendable ([HarvestEvent]) -> Void) {
        subscribers.withLock { $0.append(handler) }
    }

    private func publish(_ events: [HarvestEvent]) {
        guard !events.isEmpty else { return }
        for event in events {
            logger.info("clip \(event.kind.rawValue)", metadata: [
                "path": "\(event.archivePath)", "size": "\(event.size)",
                "from": "\(event.previousPath ?? "")",
            ])
        }
        for handler in subscribers.withLock({ $0 }) { handler(events) }
    }

    public var size: UInt64 { regions.diskBytes }

    public var statistics: VolumeStatistics {
        state.withLock { st in
            var statistics = st.statistics
            if let harvest = st.harvest { statistics.harvest = harvest.statistics }
            let held = [metadata.holdStatistics, staging.holdStatistics]
            statistics.unflushedBytes = held.reduce(0) { $0 + $1.heldBytes }
            statistics.heldPeakBytes = held.reduce(0) { $0 + $1.peakBytes }
            statistics.heldLostBytes = held.reduce(0) { $0 + $1.droppedBytes }
            statistics.heldLimitBytes = UInt64(holdLimit)
            statistics.backingStoreErrors += held.reduce(0) { $0 + $1.refusals }
            if let last = held.compactMap(\.lastError).last, statistics.lastBackingStoreError == nil {
                statistics.lastBackingStoreError = last
            }
            return statistics
        }
    }

    private func store(_ region: Region) -> BackingFile { region == .metadata ? metadata : staging }

    /// The car's tree as the volume describes it now (for the live view); nil without a harvest.
    public func carTree() -> CarTree? { state.withLock { $0.harvest?.currentTree() } }

    /// Reads `buffer.count` bytes at `offset` of a car file through the volume (cluster by cluster of its chain),
    /// so a file being recorded can be watched as it grows. Returns the bytes read.
    public func read(file: CarFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int {
        guard offset < file.size else { return 0 }
        let count = Int(min(UInt64(buffer.count), file.size - offset))
        let clusterSize = UInt64(manifest.geometry.clusterSize)
        var done = 0
        while done < count {
            let position = offset + UInt64(done)
            let index = Int(position / clusterSize), inCluster = position % clusterSize
            let n = min(count - done, Int(clusterSize - inCluster))
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + n])
            if index < file.clusters.count {
                _ = read(into: piece, at: manifest.geometry.clusterOffset(file.clusters[index]) + inCluster, traced: false)
            } else {
                piece.initializeMemory(as: UInt8.self, repeating: 0)
            }
            done += n
        }
        return count
    }

    private func readStore(_ segment: RegionSegment, into piece: UnsafeMutableRawBufferPointer,
                           harvest: Harvest?) throws(BackingStoreError) {
        if segment.region == .clusters, let harvest {
            harvest.read(into: piece, at: segment.storeOffset)
        } else {
            try store(segment.region).read(into: piece, at: segment.storeOffset)
        }
    }

    // MARK: Reads

    /// Fills `buffer` with the disk's bytes at `offset`; returns how many bytes lie inside the disk.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int {
        read(into: buffer, at: offset, traced: true)
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, traced: Bool) -> Int {
        let segments = regions.segments(offset: offset, length: buffer.count)
        guard let last = segments.last else { return 0 }
        let length = last.bufferOffset + last.length
        let target = CallerBuffer(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]))
        if traced { recorder?.recordRead(at: offset, length: length) }
        state.withLock { st in
            let harvest = st.harvest
            for segment in segments {
                let piece = UnsafeMutableRawBufferPointer(
                    rebasing: target.bytes[segment.bufferOffset..<segment.bufferOffset + segment.length])
                do throws(BackingStoreError) {
                    try readStore(segment, into: piece, harvest: harvest)
                } catch {
                    // Unreadable board disk: the car gets zeros rather than an I/O error that would stop recording.
                    piece.initializeMemory(as: UInt8.self, repeating: 0)
                    record(error, in: &st)
                }
            }
            if traced {
                st.statistics.reads += 1
                st.statistics.carBytesRead += UInt64(length)
            }
            if let harvest { for error in harvest.takeErrors() { record(error, in: &st) } }
        }
        return length
    }

    /// Convenience for tests and tools.
    public func read(at offset: UInt64, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { read(into: $0, at: offset) }
        return Array(bytes.prefix(n))
    }

    // MARK: Writes

    /// Writes `buffer` at `offset`; returns how many bytes lie inside the disk (the rest is dropped).
    @discardableResult
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) -> Int {
        let segments = regions.segments(offset: offset, length: buffer.count)
        guard let last = segments.last else { return 0 }
        let length = last.bufferOffset + last.length
        let source = CallerBuffer(UnsafeMutableRawBufferPointer(mutating: UnsafeRawBufferPointer(rebasing: buffer[0..<length])))
        var hint: [Region] = []
        state.withLock { st in
            let harvest = st.harvest
            // Under the lock, so the trace has the writes in the order they took effect.
            recorder?.recordWrite(UnsafeRawBufferPointer(source.bytes), at: offset)
            for segment in segments {
                let piece = UnsafeRawBufferPointer(
                    rebasing: source.bytes[segment.bufferOffset..<segment.bufferOffset + segment.length])
                let pieceOffset = offset + UInt64(segment.bufferOffset)
                if segment.region == .clusters, let harvest {
                    harvest.write(piece, at: segment.storeOffset)
                    for error in harvest.takeErrors() { record(error, in: &st) }
                    continue
                }
                let fatChange = segment.region == .metadata ? primaryFATChange(piece, at: pieceOffset) : nil
                // Never fails: a refused write is held by the store (below this routing).
                do throws(BackingStoreError) {
                    try store(segment.region).write(piece, at: segment.storeOffset)
                } catch {
                    record(error, in: &st)
                }
                if let fatChange {
                    // With a harvest its FAT mirror's diff says what the write freed; without one, the old
                    // FAT bytes on disk do.
                    let freed = if let harvest {
                        fatChange.new.withUnsafeBytes {
                            harvest.fatChanged($0, at: fatChange.fatByteOffset, discarding: discardsFreedClusters)
                        }
                    } else {
                        FreedClusters.freed(old: fatChange.old ?? [], new: fatChange.new,
                                            fatByteOffset: fatChange.fatByteOffset,
                                            clusterCount: manifest.geometry.clusterCount)
                    }
                    if discardsFreedClusters { discard(freed, in: &st) }
                }
                if !hint.contains(segment.region) { hint.append(segment.region) }
            }
            st.writeSequence += 1
            if st.unsyncedSince == nil { st.unsyncedSince = now() }
            st.statistics.writes += 1
            st.statistics.carBytesWritten += UInt64(length)
            st.bytesSinceWritebackHint += length
            if st.bytesSinceWritebackHint < Self.writebackHintBytes { hint = [] } else { st.bytesSinceWritebackHint = 0 }
            metadata.retryHeld(throttled: true)
            // With a harvest, held data pages wait for the next pass: it copies them from memory straight into
            // their archive files, where writing them to staging first would need their room twice.
            if !hasHarvest { staging.retryHeld(throttled: true) }
        }
        for region in hint { store(region).startWriteback() }
        return length
    }

    /// `old` is read from disk only without a harvest (whose FAT mirror knows the old entries).
    private struct FATChange { var old: [UInt8]?; var new: [UInt8]; var fatByteOffset: UInt64 }

    /// The primary FAT's bytes a metadata write brings (and before it, for a plain device), when it touches it.
    private func primaryFATChange(_ piece: UnsafeRawBufferPointer, at offset: UInt64) -> FATChange? {
        guard discardsFreedClusters || hasHarvest else { return nil }
        let start = max(offset, primaryFAT.lowerBound), end = min(offset + UInt64(piece.count), primaryFAT.upperBound)
        guard start < end else { return nil }
        var old: [UInt8]?
        if !hasHarvest {
            var bytes = [UInt8](repeating: 0, count: Int(end - start))
            bytes.withUnsafeMutableBytes { readDisk(into: $0, at: start) }
            old = bytes
        }
        let new = Array(piece[Int(start - offset)..<Int(end - offset)])
        return FATChange(old: old, new: new, fatByteOffset: start - primaryFAT.lowerBound)
    }

    /// Gives the staging area back under clusters the car freed (ascending).
    private func discard(_ freed: [UInt32], in st: inout State) {
        let g = manifest.geometry
        guard !freed.isEmpty else { return }
        // Runs of adjacent clusters become one punch.
        var runStart = freed[0], runEnd = freed[0] + 1
        func punch() {
            let clusterSize = UInt64(g.clusterSize)
            do throws(BackingStoreError) {
                try staging.punchHole(at: UInt64(runStart - 2) * clusterSize, length: UInt64(runEnd - runStart) * clusterSize)
                st.statistics.discardedClusters += UInt64(runEnd - runStart)
            } catch {
                record(error, in: &st)
            }
        }
        for cluster in freed.dropFirst() {
            if cluster == runEnd { runEnd += 1 } else { punch(); runStart = cluster; runEnd = cluster + 1 }
        }
        punch()
    }

    /// Raw read of the backing stores (no overlay, no harvest: for a plain block device), zeros where they fail.
    private func readDisk(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        for segment in regions.segments(offset: offset, length: buffer.count) {
            let piece = UnsafeMutableRawBufferPointer(
                rebasing: buffer[segment.bufferOffset..<segment.bufferOffset + segment.length])
            try? readStore(segment, into: piece, harvest: nil)
        }
    }

    private func record(_ error: BackingStoreError, in st: inout State) {
        st.statistics.backingStoreErrors += 1
        st.statistics.lastBackingStoreError = error.description
        let now = ContinuousClock.now
        // One line a second at most: a full disk must not also flood the log.
        if let last = st.lastErrorLog, now - last < .seconds(1) { return }
        st.lastErrorLog = now
        logger.error("board disk refused I/O; the car's data is held in memory", metadata: [
            "error": "\(error)",
            "outOfSpace": "\(error.isOutOfSpace)",
            "heldBytes": "\(metadata.holdStatistics.heldBytes + staging.holdStatistics.heldBytes)",
            "errors": "\(st.statistics.backingStoreErrors)",
        ])
    }

    // MARK: Flush

    /// Makes every write completed before this call durable (the car's SYNCHRONIZE CACHE / fsync / FUA).
    ///
    /// Group commit: callers that arrive while a synchronization is under way are covered by the next one, and a
    /// flush with nothing new to cover costs nothing. Failures are logged and counted, never returned to the car.
    public func flush() {
        let (target, holding) = state.withLock { st -> (UInt64, Bool) in
            st.statistics.flushRequests += 1
            return (st.writeSequence, metadata.holdStatistics.heldBytes + staging.holdStatistics.heldBytes > 0)
        }
        recorder?.recordFlush()
        synchronize(upTo: target, holding: holding, carFlush: true)
    }

    /// Makes every write so far durable without the car asking (`writebackDelay`): what a car flush does, except
    /// what only the car's flush may tell (a complete file's rewrite waits for it, `HarvestPlanner.rewrite`) and
    /// data no FAT chain claims yet, which stays cached (its FAT sector usually follows; staging it now would cost
    /// a second write). The car's metadata (FAT, directory clusters) and every placed cluster become durable.
    public func writeBack() {
        let target = state.withLock { $0.writeSequence }
        synchronize(upTo: target, holding: false, carFlush: false)
    }

    /// Runs `writeBack()` once a car write has waited `writebackDelay` for a synchronization. Cheap when none has
    /// (one lock, one clock read), so `teslacam run` calls it every few tens of milliseconds: a power cut right
    /// after the car's `sync` then finds its writes durable unless it lands within about `writebackDelay` plus
    /// one pass and its fsyncs.
    public func writeBackIfDue() {
        if writebackDue { writeBack() }
    }

    /// Whether a car write has waited longer than `writebackDelay` for a synchronization.
    var writebackDue: Bool {
        state.withLock { st in st.unsyncedSince.map { now() - $0 >= Self.writebackDelay } ?? false }
    }

    private func synchronize(upTo target: UInt64, holding: Bool, carFlush: Bool) {
        sync.withLock { s in
            // Held pages are never covered: each flush tries to get them onto the disk.
            guard s.syncedSequence < target || holding else { return }
            let (covered, events, moves) = state.withLock { st -> (UInt64, [HarvestEvent], UInt64?) in
                metadata.retryHeld(throttled: false)
                st.statistics.synchronizations += 1
                if !carFlush { st.statistics.writebacks += 1 }
                // Every write so far is covered by this synchronization (the pass and the syncs below).
                st.unsyncedSince = nil
                // The harvest pass runs under the lock so no car write slips between placement and the sync.
                let harvest = st.harvest
                let events = harvest?.drain(synchronize: true, carFlush: carFlush) ?? []
                if let harvest { for error in harvest.takeErrors() { record(error, in: &st) } }
                return (st.writeSequence, events, archive?.journalMark)
            }
            // (Staging's held pages are tried here, after the pass placed what it could into the archive.)
            var durable = false
            do throws(BackingStoreError) {
                try metadata.synchronize()
                try staging.synchronize()
                durable = true
            } catch {
                state.withLock { record(error, in: &$0) }
            }
            s.syncedSequence = covered
            publish(events)
            guard durable else { return }
            // The car's metadata behind this pass's renames is durable now, and its events (a rewrite's) are told:
            // their journal can go, and so can pending files whose clusters found a durable home.
            state.withLock { st in
                guard let harvest = st.harvest else { return }
                harvest.synchronized(moves: moves)
                for error in harvest.takeErrors() { record(error, in: &st) }
            }
        }
    }

    /// Called twice a second (`teslacam run`) while the car may be idle: a clip whose size has held still for the
    /// quiet period is judged complete now rather than at the car's next flush, which may never come once the car
    /// is parked.
    ///
    /// A harvest pass without a sync: what the car has not flushed stays in the write cache (spilling it here would
    /// send data whose FAT sector is still on its way through staging), and a completed clip's bytes were made
    /// durable by the flush that wrote them. Writes older than `writebackDelay` are first made durable by a
    /// writeback (`writeBack()`), which spills only the car's directory clusters.
    public func settle() {
        // A write the car left unflushed for too long (its `sync` sends no flush) is made durable now.
        writeBackIfDue()
        guard hasHarvest else { return }
        sync.withLock { _ in
            let events = state.withLock { st -> [HarvestEvent] in
                // A parked car writes nothing: held pages still go out once retention made room.
                metadata.retryHeld(throttled: true)
                defer { staging.retryHeld(throttled: true) }
                guard let harvest = st.harvest, harvest.awaitsQuietPeriod || harvest.hasUndeliveredEvents else { return [] }
                let events = harvest.drain(synchronize: false)
                for error in harvest.takeErrors() { record(error, in: &st) }
                return events
            }
            // Under the sync lock, as a flush publishes: subscribers see events in the order they happened.
            publish(events)
        }
    }

    /// The last flush before the process ends: growing files are trimmed to their size in the archive.
    public func close() {
        flush()
        let events = state.withLock { st -> [HarvestEvent] in
            let harvest = st.harvest
            let events = harvest?.finish() ?? []
            if let harvest { for error in harvest.takeErrors() { record(error, in: &st) } }
            harvest?.cache.close()
            return events
        }
        // Staging received the trimmed slack.
        do throws(BackingStoreError) { try staging.synchronize() } catch { state.withLock { record(error, in: &$0) } }
        publish(events)
    }

    /// Disk bytes allocated by the two backing stores.
    public func allocatedBytes() -> UInt64 {
        ((try? metadata.allocatedBytes()) ?? 0) + ((try? staging.allocatedBytes()) ?? 0)
    }
    // MARK: Retention

    /// Removes a file from the archive for retention; the engine is the archive's only writer, so this is the only
    /// way a harvested file leaves it. Refused while the car's volume references the file. The unlink happens under
    /// the engine's lock; the directory fsync after it, so the car's writes do not wait for the disk.
    public func evict(archivePath: String) -> EvictionOutcome {
        guard hasHarvest else { return .refused(reason: "this volume has no archive") }
        let (outcome, touched) = state.withLock { st -> (EvictionOutcome, [String]) in
            guard let harvest = st.harvest else { return (.refused(reason: "this volume has no archive"), []) }
            let result = harvest.evict(path: archivePath)
            for error in harvest.takeErrors() { record(error, in: &st) }
            return result
        }
        guard case .evicted = outcome else { return outcome }
        do { try ArchiveStore.synchronizeDirectories(touched) } catch { return .failed(error) }
        return outcome
    }

    /// Archive paths the car's volume still references (never evicted); empty without an archive.
    public func referencedArchivePaths() -> Set<String> {
        state.withLock { $0.harvest?.referencedPaths() ?? [] }
    }

    /// The volume's free clusters (from the FAT as the car last wrote it) and the archive's free space.
    public func space() -> VolumeSpace {
        let g = manifest.geometry
        let free: UInt32 = state.withLock { st in
            if let harvest = st.harvest { return harvest.fat.freeClusterCount() }
            // A plain block device: count the primary FAT's free entries on disk.
            var count: UInt32 = 0
            var piece = [UInt8](repeating: 0, count: 1 << 20)
            var cluster: UInt64 = 0
            let end = UInt64(g.clusterCount) + 2
            while cluster < end {
                let n = Int(min(UInt64(piece.count / 4), end - cluster))
                piece.withUnsafeMutableBytes { readDisk(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n * 4]),
                                                       at: primaryFAT.lowerBound + cluster * 4) }
                for i in 0..<n where cluster + UInt64(i) >= 2 {
                    let entry = UInt32(piece[4 * i]) | UInt32(piece[4 * i + 1]) << 8 | UInt32(piece[4 * i + 2]) << 16
                        | UInt32(piece[4 * i + 3] & 0x0F) << 24
                    if entry == 0 { count += 1 }
                }
                cluster += UInt64(n)
            }
            return count
        }
        let fileSystem = archive?.fileSystemSpace()
        return VolumeSpace(volumeFreeBytes: UInt64(free) * UInt64(g.clusterSize),
                           archiveFreeBytes: fileSystem?.free, archiveTotalBytes: fileSystem?.total)
    }
}

extension VolumeEngine: BlockSink {
    // BlockSink's requirement is `mutating`; a class satisfies it with a plain method.
    public func write(_ bytes: [UInt8], at offset: UInt64) {
        _ = bytes.withUnsafeBytes { write($0, at: offset) }
    }
}

/// The caller's buffer of one `read` or `write`, handed to the harvest inside the engine's locked state. Region
/// checking cannot follow a pointer into a `Mutex`; the buffer is used only during the call, under the lock.
private struct CallerBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    init(_ bytes: UnsafeMutableRawBufferPointer) { self.bytes = bytes }
}
