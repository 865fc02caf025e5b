import BlockTrace
import FAT32

/// A small FAT32 writer that behaves like the car's Linux vfat at the block level: file data goes to the disk as
/// it is appended, while FAT sectors and directory sectors stay dirty in memory until a writeback, which issues
/// them in an arbitrary (seeded) order and updates FAT2 at a different moment than FAT1.
///
/// It starts from the volume `Formatter` lays out (root directory at cluster 2, `TeslaCam` at cluster 3) and
/// emits every block write as a `TraceRecord`, so a scenario becomes a replayable trace.
public struct SimulatedFileSystem {
    public typealias FileID = Int

    public let geometry: VolumeGeometry
    public private(set) var records: [TraceRecord] = []
    private var fat: PagedFAT
    private var nextFree: UInt32
    /// Free clusters, kept as entries change: counting a 128 GiB volume's FAT at every flush would dominate a soak.
    private var freeCount: UInt32
    /// Where each directory's own entry lives (its parent and slots), so it can be removed.
    private var directoryEntries: [UInt32: (parent: UInt32, slots: Range<Int>)] = [:]
    private var dirtyFATSectors: Set<Int> = []
    private var dirtyFAT2Sectors: Set<Int> = []
    private var directories: [UInt32: Directory] = [:]
    private var dirtySectors: Set<UInt64> = []
    private var files: [FileID: File] = [:]
    private var nextFileID = 0
    private var rng: SplitMix64
    private let date: DOSDateTime

    struct Directory {
        var chain: [UInt32]
        var bytes: [UInt8]
    }

    struct File {
        var directory: UInt32
        /// Slots of the long-name entries and the short entry, the short one last.
        var slots: Range<Int>
        var chain: [UInt32] = []
        var size: UInt64 = 0
        var seed: UInt64
        var isDirectory: Bool
        /// Explicit content (event.json, thumb.png) instead of pattern blocks.
        var bytes: [UInt8]?
    }

    /// Where new clusters come from.
    public enum Allocation: Sendable {
        /// The lowest free cluster: a freed cluster is reused first (compact, easy to read in traces).
        case lowestFree
        /// Linux vfat's: on from the last cluster allocated, wrapping at the end, so over time the car's writes
        /// go all around the volume.
        case nextFit
    }
    public var allocation = Allocation.lowestFree

    public static let rootCluster = VolumeGeometry.rootCluster
    public static let teslaCamCluster = Formatter.teslaCamCluster

    /// The volume as `Formatter` leaves it; the format's own writes are the first records.
    public init(geometry: VolumeGeometry, volumeID: UInt32, formattedAt: Int64, seed: UInt64) {
        self.geometry = geometry
        date = DOSDateTime(secondsSince1970: formattedAt)
        rng = SplitMix64(seed: seed)
        fat = PagedFAT(count: Int(geometry.clusterCount) + 2)
        fat[0] = 0x0FFF_FFF8
        fat[1] = 0x0FFF_FFFF
        fat[2] = 0x0FFF_FFFF
        fat[3] = 0x0FFF_FFFF
        nextFree = 4
        freeCount = geometry.clusterCount - 2
        for write in Formatter.writes(for: geometry, volumeID: volumeID, date: date) {
            records.append(.write(offset: write.offset, data: write.bytes))
        }
        let clusterSize = geometry.clusterSize
        var root = [UInt8](repeating: 0, count: clusterSize)
        var teslaCam = [UInt8](repeating: 0, count: clusterSize)
        for write in Formatter.writes(for: geometry, volumeID: volumeID, date: date) {
            for (cluster, content) in [(Self.rootCluster, 0), (Self.teslaCamCluster, 1)]
            where write.offset == geometry.clusterOffset(cluster) {
                if content == 0 { root = write.bytes + [UInt8](repeating: 0, count: clusterSize - write.bytes.count) }
                else { teslaCam = write.bytes + [UInt8](repeating: 0, count: clusterSize - write.bytes.count) }
            }
        }
        directories[Self.rootCluster] = Directory(chain: [Self.rootCluster], bytes: root)
        directories[Self.teslaCamCluster] = Directory(chain: [Self.teslaCamCluster], bytes: teslaCam)
    }

    // MARK: Operations

    /// Creates a directory `name` in `parent` (a directory's first cluster); returns its first cluster.
    public mutating func makeDirectory(_ name: String, in parent: UInt32) -> UInt32 {
        let cluster = allocate(after: nil)
        var bytes = [UInt8](repeating: 0, count: geometry.clusterSize)
        bytes.replaceSubrange(0..<32, with: DirectoryEntry.dot(cluster: cluster, date: date).encoded())
        let parentForDotDot = parent == Self.rootCluster ? 0 : parent
        bytes.replaceSubrange(32..<64, with: DirectoryEntry.dotDot(parentCluster: parentForDotDot, date: date).encoded())
        directories[cluster] = Directory(chain: [cluster], bytes: bytes)
        // Linux writes a new directory's cluster at once (it is metadata in the buffer cache, flushed with it).
        for sector in 0..<geometry.clusterSize / 512 { dirtySectors.insert(geometry.clusterOffset(cluster) + UInt64(sector * 512)) }
        let slots = addEntry(name, in: parent, firstCluster: cluster, size: 0, isDirectory: true)
        directoryEntries[cluster] = (parent, slots)
        return cluster
    }

    /// Creates an empty file; its content will be the pattern file with `seed`.
    public mutating func createFile(_ name: String, in directory: UInt32, seed: UInt64) -> FileID {
        let slots = addEntry(name, in: directory, firstCluster: 0, size: 0, isDirectory: false)
        let id = nextFileID
        nextFileID += 1
        files[id] = File(directory: directory, slots: slots, seed: seed, isDirectory: false)
        return id
    }

    /// Creates a file holding `bytes` (written at once, like a small file closed right away).
    public mutating func createFile(_ name: String, in directory: UInt32, bytes: [UInt8]) -> FileID {
        let id = createFile(name, in: directory, content: bytes)
        append(id, count: bytes.count)
        return id
    }

    /// Creates an empty file whose appends will write `content` (a muxer's clip: see `MuxedClip`).
    public mutating func createFile(_ name: String, in directory: UInt32, content: [UInt8]) -> FileID {
        let id = createFile(name, in: directory, seed: 0)
        files[id]!.bytes = content
        return id
    }

    /// Rewrites `bytes` at `offset` inside the file, its size unchanged: what an MP4 muxer does when it seeks back
    /// to the mdat header once the moov is written. The sectors reach the disk now (data); no metadata changes.
    public mutating func overwrite(_ id: FileID, at offset: UInt64, with bytes: [UInt8]) {
        guard var file = files[id], !bytes.isEmpty, offset + UInt64(bytes.count) <= file.size else { return }
        var content = file.bytes ?? PatternBlock.fileBytes(seed: file.seed, offset: 0, count: Int(file.size))
        content.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
        file.bytes = content
        files[id] = file
        let clusterSize = UInt64(geometry.clusterSize)
        var sector = offset / 512
        let end = offset + UInt64(bytes.count)
        while sector * 512 < end {
            let from = sector * 512
            let clusterIndex = Int(from / clusterSize)
            let data = (from..<from + 512).map { $0 < file.size ? content[Int($0)] : 0 }
            records.append(.write(offset: geometry.clusterOffset(file.chain[clusterIndex]) + from % clusterSize, data: data))
            sector += 1
        }
    }

    /// Appends `count` bytes of the file's pattern content; data reaches the disk now, metadata at writeback.
    public mutating func append(_ id: FileID, count: Int) {
        guard var file = files[id], count > 0 else { return }
        let clusterSize = UInt64(geometry.clusterSize)
        let start = file.size, end = file.size + UInt64(count)
        while UInt64(file.chain.count) * clusterSize < end {
            let cluster = allocate(after: file.chain.last)
            file.chain.append(cluster)
        }
        // Whole sectors, zero past the end, like a page written back by the kernel.
        var sector = start / 512
        while sector * 512 < end {
            let clusterIndex = Int(sector * 512 / clusterSize)
            let clusterEnd = UInt64(clusterIndex + 1) * clusterSize
            let runEnd = min(clusterEnd, (end + 511) / 512 * 512)
            let from = sector * 512
            var data = file.bytes.map { explicit in
                let have = Int(min(runEnd, UInt64(explicit.count)))
                let head = Int(from) < have ? Array(explicit[Int(from)..<have]) : []
                return head + [UInt8](repeating: 0, count: Int(runEnd - from) - head.count)
            } ?? PatternBlock.fileBytes(seed: file.seed, offset: from, count: Int(runEnd - from))
            if runEnd > end { for i in Int(end - from)..<data.count { data[i] = 0 } }
            let disk = geometry.clusterOffset(file.chain[clusterIndex]) + (from - UInt64(clusterIndex) * clusterSize)
            records.append(.write(offset: disk, data: data))
            sector = runEnd / 512
        }
        file.size = end
        files[id] = file
        updateShortEntry(of: file)
    }

    /// Deletes a file: its entries are marked deleted and its chain freed.
    public mutating func delete(_ id: FileID) {
        guard let file = files.removeValue(forKey: id) else { return }
        markDeleted(file.slots, in: file.directory)
        for cluster in file.chain { setFAT(cluster, 0) }
        if allocation == .lowestFree, let first = file.chain.first { nextFree = min(nextFree, first) }
    }

    /// Removes an empty directory made by `makeDirectory` (the car clearing an old event folder): its entry is
    /// marked deleted and its chain freed.
    public mutating func removeDirectory(_ cluster: UInt32) {
        guard let entry = directoryEntries.removeValue(forKey: cluster), let directory = directories.removeValue(forKey: cluster)
        else { return }
        markDeleted(entry.slots, in: entry.parent)
        for freed in directory.chain {
            for sector in 0..<geometry.clusterSize / 512 { dirtySectors.remove(geometry.clusterOffset(freed) + UInt64(sector * 512)) }
            setFAT(freed, 0)
        }
        if allocation == .lowestFree { nextFree = min(nextFree, directory.chain[0]) }
    }

    /// Moves a file to `directory` under `name`: a new entry for the same chain, then the old one deleted, as
    /// Linux's rename does. No data moves.
    public mutating func move(_ id: FileID, to directory: UInt32, name: String) {
        guard var file = files[id] else { return }
        let old = (file.slots, file.directory)
        file.slots = addEntry(name, in: directory, firstCluster: file.chain.first ?? 0, size: UInt32(file.size),
                              isDirectory: false)
        file.directory = directory
        files[id] = file
        markDeleted(old.0, in: old.1)
    }

    public func size(of id: FileID) -> UInt64 { files[id]?.size ?? 0 }
    public func seed(of id: FileID) -> UInt64? { files[id]?.seed }

    /// Writes dirty FAT and directory sectors in a shuffled order. FAT2 follows only when `includingFAT2`.
    public mutating func writeback(includingFAT2: Bool = true) {
        var pending: [TraceRecord] = []
        for sector in dirtyFATSectors { pending.append(fatSectorWrite(sector, copy: 0)) }
        dirtyFAT2Sectors.formUnion(dirtyFATSectors)
        dirtyFATSectors.removeAll()
        if includingFAT2 {
            for sector in dirtyFAT2Sectors { pending.append(fatSectorWrite(sector, copy: 1)) }
            dirtyFAT2Sectors.removeAll()
        }
        for offset in dirtySectors { pending.append(.write(offset: offset, data: directorySector(at: offset))) }
        dirtySectors.removeAll()
        // Set iteration order is arbitrary but not seeded; sort, then shuffle with our own generator.
        pending.sort { $0.sortKey < $1.sortKey }
        pending.shuffle(using: &rng)
        records += pending
    }

    /// A car flush: everything dirty goes out, then SYNCHRONIZE CACHE.
    public mutating func flush() {
        writeback()
        // Linux rewrites FSInfo's free count on sync, which fsck.fat checks.
        records.append(.write(offset: geometry.partitionOffset + 512,
                              data: FSInfo(freeCount: freeCount, nextFree: nextFree).encoded()))
        records.append(.flush)
    }

    /// Takes the records emitted so far.
    public mutating func drainRecords() -> [TraceRecord] {
        defer { records.removeAll() }
        return records
    }

    // MARK: FAT

    private mutating func allocate(after previous: UInt32?) -> UInt32 {
        let limit = UInt32(fat.count)
        precondition(freeCount > 0, "the simulated volume is full")
        var cluster = nextFree < limit ? nextFree : 2
        while fat[Int(cluster)] != 0 { cluster = cluster + 1 < limit ? cluster + 1 : 2 }
        nextFree = cluster + 1
        setFAT(cluster, 0x0FFF_FFFF)
        if let previous { setFAT(previous, cluster) }
        return cluster
    }

    private mutating func setFAT(_ cluster: UInt32, _ value: UInt32) {
        if (fat[Int(cluster)] == 0) != (value == 0) { if value == 0 { freeCount += 1 } else { freeCount -= 1 } }
        fat[Int(cluster)] = value
        dirtyFATSectors.insert(Int(cluster) * 4 / 512)
    }

    private func fatSectorWrite(_ sector: Int, copy: Int) -> TraceRecord {
        var bytes = [UInt8](repeating: 0, count: 512)
        for i in 0..<128 where sector * 128 + i < fat.count {
            let value = fat[sector * 128 + i]
            for b in 0..<4 { bytes[i * 4 + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
        }
        return .write(offset: geometry.fatOffset(copy: copy) + UInt64(sector * 512), data: bytes)
    }

    // MARK: Directories

    private mutating func addEntry(_ name: String, in parent: UInt32, firstCluster: UInt32, size: UInt32,
                                   isDirectory: Bool) -> Range<Int> {
        let taken = Set(shortNames(in: parent))
        let alias = ShortName.alias(for: name) { taken.contains($0.bytes) }
        var entries: [[UInt8]] = []
        if alias.needsLongName, let long = try? LongName.entries(for: name, shortName: alias.shortName) {
            entries = long.map { $0.encoded() }
        }
        entries.append(DirectoryEntry(name: alias.shortName, attributes: isDirectory ? .directory : .archive,
                                      caseFlags: alias.caseFlags, firstCluster: firstCluster, size: size,
                                      date: date).encoded())
        let start = freeSlots(entries.count, in: parent)
        for (i, entry) in entries.enumerated() { setSlot(start + i, in: parent, to: entry) }
        return start..<start + entries.count
    }

    private func shortNames(in directory: UInt32) -> [[UInt8]] {
        guard let dir = directories[directory] else { return [] }
        return stride(from: 0, to: dir.bytes.count, by: 32).compactMap { offset in
            let first = dir.bytes[offset]
            guard first != 0, first != 0xE5, dir.bytes[offset + 11] & 0x3F != 0x0F else { return nil }
            return Array(dir.bytes[offset..<offset + 11])
        }
    }

    /// The first run of `count` free slots, growing the directory by a cluster when there is none.
    private mutating func freeSlots(_ count: Int, in directory: UInt32) -> Int {
        while true {
            let bytes = directories[directory]!.bytes
            var run = 0
            for slot in 0..<bytes.count / 32 {
                let first = bytes[slot * 32]
                if first == 0 || first == 0xE5 { run += 1 } else { run = 0 }
                if run == count { return slot - count + 1 }
            }
            let cluster = allocate(after: directories[directory]!.chain.last)
            directories[directory]!.chain.append(cluster)
            directories[directory]!.bytes += [UInt8](repeating: 0, count: geometry.clusterSize)
            for sector in 0..<geometry.clusterSize / 512 {
                dirtySectors.insert(geometry.clusterOffset(cluster) + UInt64(sector * 512))
            }
        }
    }

    private mutating func setSlot(_ slot: Int, in directory: UInt32, to entry: [UInt8]) {
        directories[directory]!.bytes.replaceSubrange(slot * 32..<slot * 32 + 32, with: entry)
        let clusterIndex = slot * 32 / geometry.clusterSize
        let cluster = directories[directory]!.chain[clusterIndex]
        let inCluster = slot * 32 % geometry.clusterSize
        dirtySectors.insert(geometry.clusterOffset(cluster) + UInt64(inCluster / 512 * 512))
    }

    private mutating func markDeleted(_ slots: Range<Int>, in directory: UInt32) {
        for slot in slots {
            var entry = Array(directories[directory]!.bytes[slot * 32..<slot * 32 + 32])
            entry[0] = 0xE5
            setSlot(slot, in: directory, to: entry)
        }
    }

    private mutating func updateShortEntry(of file: File) {
        let slot = file.slots.upperBound - 1
        let bytes = directories[file.directory]!.bytes
        guard var entry = try? DirectoryEntry(decoding: bytes[slot * 32..<slot * 32 + 32]) else { return }
        entry.size = UInt32(clamping: file.size)
        entry.firstCluster = file.chain.first ?? 0
        setSlot(slot, in: file.directory, to: entry.encoded())
    }

    private func directorySector(at offset: UInt64) -> [UInt8] {
        let cluster = UInt32((offset - geometry.dataOffset) / UInt64(geometry.clusterSize)) + 2
        for dir in directories.values {
            if let index = dir.chain.firstIndex(of: cluster) {
                let inCluster = Int(offset - geometry.clusterOffset(cluster))
                let start = index * geometry.clusterSize + inCluster
                return Array(dir.bytes[start..<start + 512])
            }
        }
        return [UInt8](repeating: 0, count: 512)
    }
}

extension TraceRecord {
    var sortKey: UInt64 {
        if case let .write(offset, _) = self { return offset }
        return 0
    }
}

