/// Every version of every sector the car wrote, numbered by write, and the last write each completed flush
/// covered: what a drive with a volatile write cache may show after a power cut.
///
/// After a cut, a sector must read either the version the last completed flush covered (or, never written before
/// it, what the volume held before the car's first write) or a version written after that flush: the drive may
/// have written any later write back, but never loses one it acknowledged a flush for.
struct CarWriteHistory {
    static let sectorSize = 512
    struct Version { var write: Int; var bytes: [UInt8] }
    /// Sector number → its versions, oldest first; write 0 is the content before the car's first write to it.
    private(set) var versions: [UInt64: [Version]] = [:]
    private(set) var writes = 0
    /// The newest write covered by a completed flush.
    private(set) var flushedWrite = 0

    /// The moment of a power cut, for `allowed`.
    struct Moment { var flushedWrite: Int; var writes: Int }
    var now: Moment { Moment(flushedWrite: flushedWrite, writes: writes) }

    /// Sectors of `offset ..< offset + count` the history has never seen: their current content must be recorded
    /// (`recordInitial`) before the car's write.
    func unseenSectors(at offset: UInt64, count: Int) -> Bool {
        let size = UInt64(Self.sectorSize)
        for sector in offset / size ..< (offset + UInt64(count) + size - 1) / size where versions[sector] == nil {
            return true
        }
        return false
    }

    /// The volume's bytes at a sector-aligned `offset` before the car writes there.
    mutating func recordInitial(_ bytes: [UInt8], at offset: UInt64) {
        let size = UInt64(Self.sectorSize)
        for i in 0..<bytes.count / Self.sectorSize where versions[offset / size + UInt64(i)] == nil {
            versions[offset / size + UInt64(i)] = [Version(write: 0, bytes: Array(bytes[i * Self.sectorSize..<(i + 1) * Self.sectorSize]))]
        }
    }

    mutating func write(_ data: [UInt8], at offset: UInt64) {
        writes += 1
        let size = UInt64(Self.sectorSize)
        var done = 0
        while done < data.count {
            let position = offset + UInt64(done)
            let sector = position / size, inSector = Int(position % size)
            let n = min(data.count - done, Self.sectorSize - inSector)
            var bytes = versions[sector]?.last?.bytes ?? [UInt8](repeating: 0, count: Self.sectorSize)
            bytes.replaceSubrange(inSector..<inSector + n, with: data[done..<done + n])
            versions[sector, default: []].append(Version(write: writes, bytes: bytes))
            done += n
        }
    }

    /// The car's flush returned: everything written so far is acknowledged.
    mutating func flushed() { flushedWrite = writes }

    /// Whether `bytes` is a content sector `sector` may have after a power cut at `moment`.
    func allowed(_ bytes: ArraySlice<UInt8>, sector: UInt64, at moment: Moment) -> Bool {
        guard let history = versions[sector] else { return true }
        let durable = history.last { $0.write <= moment.flushedWrite }
        if let durable, durable.bytes[...] == bytes { return true }
        return history.contains { $0.write > moment.flushedWrite && $0.write <= moment.writes && $0.bytes[...] == bytes }
    }

    /// The sector as the last completed flush before `moment` left it; nil if the car never wrote it.
    func flushedBytes(sector: UInt64, at moment: Moment) -> [UInt8]? {
        versions[sector]?.last { $0.write <= moment.flushedWrite }?.bytes
    }

    /// The write number of the sector's newest version written by `moment` (0: only its initial content).
    func lastWrite(sector: UInt64, at moment: Moment) -> Int? {
        versions[sector]?.last { $0.write <= moment.writes }?.write
    }

    /// The sector's versions the car wrote after write `after`, up to `moment`.
    func versions(of sector: UInt64, after: Int, at moment: Moment) -> [Version] {
        (versions[sector] ?? []).filter { $0.write > after && $0.write <= moment.writes }
    }

    /// Sector numbers in order, grouped into runs of adjacent ones (read back a run at a time).
    func sectorRuns(maximum: Int = 2048) -> [Range<UInt64>] {
        var runs: [Range<UInt64>] = []
        for sector in versions.keys.sorted() {
            if let last = runs.last, last.upperBound == sector, last.count < maximum {
                runs[runs.count - 1] = last.lowerBound..<sector + 1
            } else {
                runs.append(sector..<sector + 1)
            }
        }
        return runs
    }
}
