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
/// in memory (and served from there) until the disk takes them. `flush()` is a group commit.
public final class VolumeEngine: Sendable {
    public let manifest: VolumeManifest
    public let regions: RegionMap
    let metadata: BackingFile
    let staging: BackingFile
    let logger: Logger

    private struct State {
        var unflushed = UnflushedPages()
        var statistics = VolumeStatistics()
        /// Bumped by every write; a flush covers all writes up to the sequence it read.
        var writeSequence: UInt64 = 0
        var bytesSinceWritebackHint = 0
        var lastErrorLog: ContinuousClock.Instant?
    }
    private struct SyncState { var syncedSequence: UInt64 = 0 }

    private let state = Mutex(State())
    private let sync = Mutex(SyncState())
    /// Start kernel writeback this often so the next fsync has little to wait for.
    private static let writebackHintBytes = 8 << 20

    /// Punch holes under clusters the car frees in the primary FAT, so the disk holds only what the car still uses.
    /// Freed clusters then read as zero, like a discarded block on an SSD.
    public let discardsFreedClusters: Bool
    /// Disk range of the primary FAT.
    private let primaryFAT: Range<UInt64>

    /// Set by `teslacam trace record`: every operation is also appended to a block trace.
    public let recorder: TraceRecorder?

    public init(manifest: VolumeManifest, metadata: BackingFile, staging: BackingFile, logger: Logger,
                discardsFreedClusters: Bool = true, recorder: TraceRecorder? = nil) {
        self.manifest = manifest
        self.recorder = recorder
        self.discardsFreedClusters = discardsFreedClusters
        let g = manifest.geometry
        self.primaryFAT = g.fatOffset(copy: 0)..<(g.fatOffset(copy: 0) + min(g.fatBytes, (UInt64(g.clusterCount) + 2) * 4))
        self.regions = RegionMap(geometry: manifest.geometry)
        self.metadata = metadata
        self.staging = staging
        self.logger = logger
    }

    public var size: UInt64 { regions.diskBytes }

    public var statistics: VolumeStatistics { state.withLock { $0.statistics } }

    private func store(_ region: Region) -> BackingFile { region == .metadata ? metadata : staging }

    // MARK: Reads

    /// Fills `buffer` with the disk's bytes at `offset`; returns how many bytes lie inside the disk.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int {
        let segments = regions.segments(offset: offset, length: buffer.count)
        guard let last = segments.last else { return 0 }
        let length = last.bufferOffset + last.length
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
        recorder?.recordRead(at: offset, length: length)
        state.withLock { st in
            for segment in segments {
                let piece = UnsafeMutableRawBufferPointer(
                    rebasing: target[segment.bufferOffset..<segment.bufferOffset + segment.length])
                do throws(BackingStoreError) {
                    try store(segment.region).read(into: piece, at: segment.storeOffset)
                } catch {
                    // Unreadable board disk: the car gets zeros rather than an I/O error that would stop recording.
                    piece.initializeMemory(as: UInt8.self, repeating: 0)
                    record(error, in: &st)
                }
            }
            st.unflushed.overlay(onto: target, at: offset)
            st.statistics.reads += 1
            st.statistics.carBytesRead += UInt64(length)
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
        let source = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
        var hint: [Region] = []
        state.withLock { st in
            // Under the lock, so the trace has the writes in the order they took effect.
            recorder?.recordWrite(source, at: offset)
            if st.unflushed.overlaps(offset: offset, length: length) {
                // Later bytes must land on top of the held ones, not beside them on disk.
                holdInMemory(source, at: offset, in: &st)
            } else {
                for segment in segments {
                    let piece = UnsafeRawBufferPointer(
                        rebasing: source[segment.bufferOffset..<segment.bufferOffset + segment.length])
                    let pieceOffset = offset + UInt64(segment.bufferOffset)
                    let fatChange = segment.region == .metadata ? primaryFATChange(piece, at: pieceOffset) : nil
                    do throws(BackingStoreError) {
                        try store(segment.region).write(piece, at: segment.storeOffset)
                    } catch {
                        record(error, in: &st)
                        holdInMemory(piece, at: pieceOffset, in: &st)
                    }
                    if let fatChange { discardFreed(fatChange, in: &st) }
                    if !hint.contains(segment.region) { hint.append(segment.region) }
                }
            }
            st.writeSequence += 1
            st.statistics.writes += 1
            st.statistics.carBytesWritten += UInt64(length)
            st.bytesSinceWritebackHint += length
            if st.bytesSinceWritebackHint < Self.writebackHintBytes { hint = [] } else { st.bytesSinceWritebackHint = 0 }
            if !st.unflushed.isEmpty { retryUnflushed(in: &st, throttled: true) }
        }
        for region in hint { store(region).startWriteback() }
        return length
    }

    private struct FATChange { var old: [UInt8]; var new: [UInt8]; var fatByteOffset: UInt64 }

    /// The primary FAT's bytes before and after a metadata write, when the write touches it.
    private func primaryFATChange(_ piece: UnsafeRawBufferPointer, at offset: UInt64) -> FATChange? {
        guard discardsFreedClusters else { return nil }
        let start = max(offset, primaryFAT.lowerBound), end = min(offset + UInt64(piece.count), primaryFAT.upperBound)
        guard start < end else { return nil }
        var old = [UInt8](repeating: 0, count: Int(end - start))
        old.withUnsafeMutableBytes { readDisk(into: $0, at: start) }
        let new = Array(piece[Int(start - offset)..<Int(end - offset)])
        return FATChange(old: old, new: new, fatByteOffset: start - primaryFAT.lowerBound)
    }

    private func discardFreed(_ change: FATChange, in st: inout State) {
        let g = manifest.geometry
        let freed = FreedClusters.freed(old: change.old, new: change.new, fatByteOffset: change.fatByteOffset,
                                        clusterCount: g.clusterCount)
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

    private func holdInMemory(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, in st: inout State) {
        let pageSize = UInt64(UnflushedPages.pageSize)
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let page = position / pageSize, inPage = Int(position % pageSize)
            let n = min(bytes.count - done, UnflushedPages.pageSize - inPage)
            let piece = UnsafeRawBufferPointer(rebasing: bytes[done..<done + n])
            st.unflushed.store(piece, page: page, offsetInPage: inPage) {
                var content = [UInt8](repeating: 0, count: UnflushedPages.pageSize)
                content.withUnsafeMutableBytes { readDisk(into: $0, at: page * pageSize) }
                return content
            }
            done += n
        }
        st.statistics.unflushedBytes = UInt64(st.unflushed.byteCount)
    }

    /// Raw read of the backing stores (no overlay), zeros where they fail.
    private func readDisk(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        for segment in regions.segments(offset: offset, length: buffer.count) {
            let piece = UnsafeMutableRawBufferPointer(
                rebasing: buffer[segment.bufferOffset..<segment.bufferOffset + segment.length])
            try? store(segment.region).read(into: piece, at: segment.storeOffset)
        }
    }

    /// Tries to write held pages back to the board's disk; `throttled` limits attempts to one a second.
    private func retryUnflushed(in st: inout State, throttled: Bool) {
        let now = ContinuousClock.now
        if throttled, let last = st.lastErrorLog, now - last < .seconds(1) { return }
        let pageSize = UInt64(UnflushedPages.pageSize)
        for (page, content) in st.unflushed.pages.sorted(by: { $0.key < $1.key }) {
            let offset = page * pageSize
            var failed = false
            content.withUnsafeBytes { raw in
                for segment in regions.segments(offset: offset, length: raw.count) where !failed {
                    let piece = UnsafeRawBufferPointer(
                        rebasing: raw[segment.bufferOffset..<segment.bufferOffset + segment.length])
                    do { try store(segment.region).write(piece, at: segment.storeOffset) } catch {
                        failed = true
                    }
                }
            }
            if failed { st.lastErrorLog = now; break }
            st.unflushed.remove(page: page)
        }
        st.statistics.unflushedBytes = UInt64(st.unflushed.byteCount)
        if st.unflushed.isEmpty { logger.notice("the board's disk accepts writes again; nothing is held in memory") }
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
            "heldBytes": "\(st.unflushed.byteCount)",
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
            return (st.writeSequence, !st.unflushed.isEmpty)
        }
        recorder?.recordFlush()
        sync.withLock { s in
            // Held pages are never covered: each flush tries to get them onto the disk.
            guard s.syncedSequence < target || holding else { return }
            let covered = state.withLock { st -> UInt64 in
                if !st.unflushed.isEmpty { retryUnflushed(in: &st, throttled: false) }
                st.statistics.synchronizations += 1
                return st.writeSequence
            }
            do throws(BackingStoreError) {
                try metadata.synchronize()
                try staging.synchronize()
            } catch {
                state.withLock { record(error, in: &$0) }
            }
            s.syncedSequence = covered
        }
    }

    /// Disk bytes allocated by the two backing stores.
    public func allocatedBytes() -> UInt64 {
        ((try? metadata.allocatedBytes()) ?? 0) + ((try? staging.allocatedBytes()) ?? 0)
    }
}

extension VolumeEngine: BlockSink {
    // BlockSink's requirement is `mutating`; a class satisfies it with a plain method.
    public func write(_ bytes: [UInt8], at offset: UInt64) {
        _ = bytes.withUnsafeBytes { write($0, at: offset) }
    }
}
