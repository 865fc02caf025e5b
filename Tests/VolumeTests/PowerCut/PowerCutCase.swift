import BlockTrace
import CarFS
import FAT32
import FileIO
import Foundation
import Synchronization
@testable import Volume

/// One case of the power-cut property: a car trace driven into an engine whose state and archive live on a
/// `PageCacheFileSystem`, power cut at a few random file-system operations (reservoir-sampled, so every operation
/// is equally likely), a new engine recovered from each survivor, and the promises checked:
/// - every byte the car flushed before the cut reads back from the volume (a sector holds its flushed version or a
///   later one, as a drive with a volatile cache may);
/// - every file the harvest announced `complete` at a flush before the cut is in the archive, byte-identical;
/// - nothing exists outside the state and archive directories;
/// - recovery neither fails nor meets an I/O error, and the recovered engine keeps working.
struct PowerCutCase {
    static let diskBytes: UInt64 = 512 << 20  // 4 KiB clusters, as on every real car volume
    static let statePath = "/state", archivePath = "/archive"
    let seed: UInt64
    /// Cuts at these operations instead of random ones (to look into a failure).
    var forcedCuts: [Int: PowerCut] = [:]
    /// Also cuts once the whole trace has run (its last flush returned), in these modes (`run(cutsPerTrace: 0)`:
    /// only these).
    var cutsAtEnd: [PowerCut] = []

    struct CompletedFile: Sendable { var path: String; var bytes: [UInt8] }

    struct Cut: Sendable {
        var operation: Int
        var mode: PowerCut
        var survivor: PageCacheFileSystem
        var moment: CarWriteHistory.Moment
        var completed: [CompletedFile]
        /// (Verbose only) the page cache as it stood at the cut, to compare with what survived.
        var cached: PageCacheFileSystem? = nil
    }

    /// What the observer and the subscriber share with the replay loop.
    struct Shared: Sendable {
        var moment = CarWriteHistory.Moment(flushedWrite: 0, writes: 0)
        var completed: [CompletedFile] = []
        var cuts: [Cut] = []
        var rng: SplitMix64
        var armed = false
    }

    /// Runs the case; returns what went wrong, each line naming the seed, the cut and the evidence.
    func run(cutsPerTrace: Int = 3) -> [String] {
        let geometry = try! VolumeGeometry(diskBytes: Self.diskBytes, layout: .mbr)
        let trace = PowerCutTrace(seed: seed, geometry: geometry)
        var rng = SplitMix64(seed: seed ^ 0x5EED_C0DE)
        let cacheLimit = [64 << 10, 256 << 10, 1 << 20][Int(rng.next() % 3)]
        let discards = rng.next() % 2 == 0
        let fs = PageCacheFileSystem()
        let shared = Mutex(Shared(rng: rng))
        let engine: VolumeEngine
        do {
            let archive = try ArchiveStore(root: Self.archivePath, fileSystem: fs)
            engine = try StateDirectory(path: Self.statePath, fileSystem: fs)
                .format(geometry: geometry, volumeID: 1, formattedAt: 0, logger: quietLogger, archive: archive,
                        cacheLimit: cacheLimit, discardsFreedClusters: discards)
        } catch {
            return ["seed \(seed): format failed: \(error)"]
        }
        // TESLACAM_POWERCUT_VERBOSE=1: the flushes and events with their operation numbers, and after each
        // recovery the survivor's files, to look into a failing seed.
        let dump = ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_VERBOSE"] != nil
        let base = fs.operationCount
        engine.subscribe { events in
            for event in events {
                if dump { print("event @\(fs.operationCount - base) w\(shared.withLock { $0.moment.writes }): \(event.kind) \(event.archivePath) \(event.previousPath ?? "") \(event.size)") }
                switch event.kind {
                case .complete:
                    let bytes = (try? fs.contents(of: Self.archivePath + "/" + event.archivePath)) ?? []
                    shared.withLock { $0.completed.append(CompletedFile(path: event.archivePath, bytes: bytes)) }
                case .moved:
                    guard let previous = event.previousPath else { continue }
                    shared.withLock { st in
                        for i in st.completed.indices where st.completed[i].path == previous {
                            st.completed[i].path = event.archivePath
                        }
                    }
                case .rewritten:
                    // The car rewrote bytes of a complete file and the archive file now has them (the event says
                    // so): the bytes announced before are superseded by the `complete` that follows.
                    shared.withLock { $0.completed.removeAll { $0.path == event.archivePath } }
                default: break
                }
            }
        }
        // Cuts from the first operation after the format returned: a cut during `format` leaves an unfinished
        // format, which `open` reports as such (the daemon formats only an empty state).
        fs.observe { operation in
            shared.withLock { st in
                guard st.armed else { return }
                let index = operation - base
                if !forcedCuts.isEmpty {
                    if let mode = forcedCuts[index] {
                        st.cuts.append(Cut(operation: index, mode: mode, survivor: fs.afterPowerCut(mode),
                                           moment: st.moment, completed: st.completed))
                    }
                    return
                }
                // Reservoir sampling: each operation ends up among the cuts with the same probability.
                let slot = index <= cutsPerTrace ? index - 1 : Int(st.rng.next() % UInt64(index))
                guard slot < cutsPerTrace else { return }
                // Mostly power cuts; now and then a kill -9, which the kill/restart tests cover with real files.
                let mode = st.rng.next() % 8 == 0 ? PowerCut.processKill
                    : PowerCut(kernelWriteback: st.rng.next() % 3 == 0, tearsLastWrite: st.rng.next() % 2 == 0,
                               seed: st.rng.next())
                let cut = Cut(operation: index, mode: mode, survivor: fs.afterPowerCut(mode), moment: st.moment,
                              completed: st.completed, cached: dump ? fs.afterPowerCut(.processKill) : nil)
                if slot < st.cuts.count { st.cuts[slot] = cut } else { st.cuts.append(cut) }
            }
        }
        shared.withLock { $0.armed = true }
        // TESLACAM_POWERCUT_WATCH=CLUSTER (a cluster a failure names): each car write touching the cluster's bytes
        // or its FAT entry, and each change of its FAT entry or of the file the car's tree has it in, with the
        // write and operation numbers, to tell what the car (or a hostile write) did to it before the cut.
        let watched = ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_WATCH"].flatMap { UInt32($0) }
        var watchedState = ""
        func watch(_ offset: UInt64, _ count: Int, write: Int) {
            guard let cluster = watched else { return }
            let entryOffset = geometry.fatOffset(copy: 0) + UInt64(cluster) * 4
            let data = geometry.clusterOffset(cluster)..<geometry.clusterOffset(cluster) + UInt64(geometry.clusterSize)
            let touched = [entryOffset..<entryOffset + 4, data].contains { $0.overlaps(offset..<offset + UInt64(count)) }
            let entry = engine.read(at: entryOffset, count: 4).enumerated()
                .reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) } & 0x0FFF_FFFF
            let owner = engine.carTree()?.files.first { $0.clusters.contains(cluster) }
            let now = "FAT entry \(entry), in " + (owner.map { "\($0.pathString) (head \($0.head), size \($0.size))" } ?? "no file")
            guard touched || now != watchedState else { return }
            watchedState = now
            print("watch \(cluster) w\(write) @\(fs.operationCount - base) write \(offset)+\(count)\(touched ? " touches it" : ""): \(now)")
        }
        var history = CarWriteHistory()
        for record in trace.records {
            switch record {
            case let .write(offset, data):
                guard offset < Self.diskBytes else { continue }
                let data = Array(data.prefix(Int(Self.diskBytes - offset)))
                if history.unseenSectors(at: offset, count: data.count) {
                    let sector = UInt64(CarWriteHistory.sectorSize)
                    let start = offset / sector * sector
                    let end = (offset + UInt64(data.count) + sector - 1) / sector * sector
                    history.recordInitial(engine.read(at: start, count: Int(end - start)), at: start)
                }
                history.write(data, at: offset)
                shared.withLock { $0.moment = history.now }
                engine.write(data, at: offset)
                watch(offset, data.count, write: history.writes)
            case .flush:
                if dump { print("flush begins @\(fs.operationCount - base) w\(history.writes)") }
                engine.flush()
                if dump { print("flush ends @\(fs.operationCount - base)") }
                history.flushed()
                shared.withLock { $0.moment = history.now }
            case .read:
                break
            }
        }
        shared.withLock { st in
            st.armed = false
            for mode in cutsAtEnd {
                st.cuts.append(Cut(operation: fs.operationCount - base, mode: mode, survivor: fs.afterPowerCut(mode),
                                   moment: st.moment, completed: st.completed))
            }
        }
        let kind = trace.isHostile ? "hostile" : "tesla"
        var failures: [String] = []
        for cut in shared.withLock({ $0.cuts }).sorted(by: { $0.operation < $1.operation }) {
            let context = "seed \(seed) (\(kind), cache \(cacheLimit >> 10) KiB, discard \(discards)), "
                + "cut after operation \(cut.operation) of \(fs.operationCount - base), \(cut.mode)"
            failures += check(cut, history: history, geometry: geometry, cacheLimit: cacheLimit, discards: discards)
                .map { "\(context): \($0)" }
        }
        return failures
    }

    func check(_ cut: Cut, history: CarWriteHistory, geometry: VolumeGeometry, cacheLimit: Int,
               discards: Bool) -> [String] {
        let fs = cut.survivor
        if ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_VERBOSE"] != nil {
            // What recovery starts from: the archive's files (sizes only) and the move journal's lines.
            print("  cut after operation \(cut.operation), \(cut.mode); before recovery:")
            for entry in fs.allPaths() where entry.path.hasPrefix(Self.archivePath + "/") && entry.status.kind == .regular {
                print("    \(entry.path) \(entry.status.size)")
            }
            let journal = (try? fs.contents(of: Self.archivePath + "/" + ArchiveStore.journalPath)) ?? []
            for line in journal.split(separator: UInt8(ascii: "\n")) {
                print("    journal: \(String(decoding: line, as: UTF8.self).replacingOccurrences(of: "\t", with: " | "))")
            }
        }
        let engine: VolumeEngine
        do {
            let archive = try ArchiveStore(root: Self.archivePath, fileSystem: fs)
            engine = try StateDirectory(path: Self.statePath, fileSystem: fs)
                .open(logger: quietLogger, archive: archive, cacheLimit: cacheLimit, discardsFreedClusters: discards)
        } catch {
            return ["recovery failed: \(error)"]
        }
        var failures: [String] = []
        if ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_VERBOSE"] != nil {
            for entry in fs.allPaths() {
                let bytes = entry.status.kind == .regular ? ((try? fs.contents(of: entry.path)) ?? []) : []
                print("  \(entry.path) \(entry.status.size) nonzero pages \(stride(from: 0, to: bytes.count, by: 4096).filter { bytes[$0..<min($0 + 4096, bytes.count)].contains { $0 != 0 } }.count)")
            }
            if let staging = try? fs.openFile(Self.statePath + "/staging.img", []) {
                print("  staging ranges \(staging.dataRanges().map { "\($0.lowerBound / 4096 + 2)..<\($0.upperBound / 4096 + 2)" })")
            }
            for file in engine.carTree()?.files ?? [] { print("  car \(file.pathString) \(file.size) \(file.clusters.prefix(4))") }
        }
        let recovery = engine.statistics
        if recovery.backingStoreErrors > 0 {
            failures.append("recovery met \(recovery.backingStoreErrors) I/O errors, the last: "
                            + (recovery.lastBackingStoreError ?? "?"))
        }
        failures += checkVolume(engine, cut: cut, history: history, geometry: geometry, discards: discards)
        // What the recovered engine tells at its first drain (the settle below).
        let told = Mutex<[HarvestEvent]>([])
        engine.subscribe { events in told.withLock { $0 += events } }
        let lost = checkArchive(fs, cut: cut, engine: engine, geometry: geometry)
        if ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_VERBOSE"] != nil {
            explainLostFiles(fs, cut: cut, engine: engine, history: history, geometry: geometry)
        }
        failures += checkConfinement(fs)
        // The recovered engine carries on: a flush and a clean stop on what survived.
        engine.settle()  // hands recovery's events over (a flush with no car write since has nothing to cover)
        engine.flush()
        // A file the car rewrote while the cut came (the rewrite reached the archive before its `rewritten` was
        // told) may hold the new bytes, the volume's, if the recovered engine tells `rewritten` for it.
        let rewritten = Set(told.withLock { $0 }.filter { $0.kind == .rewritten }.map(\.archivePath))
        if ProcessInfo.processInfo.environment["TESLACAM_POWERCUT_VERBOSE"] != nil {
            for event in told.withLock({ $0 }) { print("  recovered engine told \(event.kind) \(event.archivePath)") }
            for finding in lost { print("  lost \(finding.path), as the volume reads: \(finding.asTheVolumeReads)") }
        }
        failures += lost.filter { !($0.asTheVolumeReads && rewritten.contains($0.path)) }.map(\.message)
        engine.close()
        failures += checkConfinement(fs)
        return failures
    }

    /// Every sector the car wrote holds its flushed version or a later one.
    func checkVolume(_ engine: VolumeEngine, cut: Cut, history: CarWriteHistory, geometry: VolumeGeometry,
                     discards: Bool) -> [String] {
        var failures: [String] = []
        let size = CarWriteHistory.sectorSize
        let clusterSize = UInt64(geometry.clusterSize)
        /// The FAT entry of the data cluster holding `offset`: its position on the volume, as a sector and the
        /// entry's bytes within it; nil outside the data region.
        func fatEntry(of offset: UInt64) -> (position: UInt64, sector: UInt64, inSector: Range<Int>)? {
            guard offset >= geometry.dataOffset, offset < geometry.dataEnd else { return nil }
            let position = geometry.fatOffset(copy: 0) + ((offset - geometry.dataOffset) / clusterSize + 2) * 4
            let inSector = Int(position % UInt64(size))
            return (position, position / UInt64(size), inSector..<inSector + 4)
        }
        func isFree(_ entry: ArraySlice<UInt8>) -> Bool {
            entry.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) } & 0x0FFF_FFFF == 0
        }
        /// Free in the recovered FAT, or in the FAT the car had flushed: either way the engine may have discarded it.
        func isFreeCluster(_ offset: UInt64) -> Bool {
            guard let entry = fatEntry(of: offset) else { return false }
            if isFree(engine.read(at: entry.position, count: 4)[...]) { return true }
            guard let flushed = history.flushedBytes(sector: entry.sector, at: cut.moment) else { return false }
            return isFree(flushed[entry.inSector])
        }
        /// With discard on, whether the car freed the sector's cluster in its FAT after its last write to the
        /// sector: the engine discarded the bytes then (as a TRIM would), and a later allocation that never
        /// rewrote them reads zeros, cut or no cut.
        func freedSinceWritten(_ sector: UInt64) -> Bool {
            guard discards, let entry = fatEntry(of: sector * UInt64(size)),
                  let written = history.lastWrite(sector: sector, at: cut.moment) else { return false }
            return history.versions(of: entry.sector, after: written, at: cut.moment).contains { isFree($0.bytes[entry.inSector]) }
        }
        for run in history.sectorRuns() {
            let bytes = engine.read(at: run.lowerBound * UInt64(size), count: run.count * size)
            for (i, sector) in run.enumerated() {
                let content = bytes[i * size..<(i + 1) * size]
                if history.allowed(content, sector: sector, at: cut.moment) { continue }
                let offset = sector * UInt64(size)
                // A cluster free in the FAT holds no file's data: it may read as zero (the engine discards freed
                // clusters, like an SSD's TRIM; without discard, one that no surviving record owns).
                if content.allSatisfy({ $0 == 0 }), isFreeCluster(offset) || freedSinceWritten(sector) { continue }
                var region = "metadata"
                if offset >= geometry.dataOffset {
                    let cluster = UInt32((offset - geometry.dataOffset) / clusterSize) + 2
                    let owner = engine.carTree()?.files.first { $0.clusters.contains(cluster) }
                    region = "cluster \(cluster), allocated, " + (owner.map { "in \($0.pathString)" } ?? "in no file")
                }
                let versions = history.versions[sector] ?? []
                let matching = versions.first { $0.bytes[...] == content }.map { "write \($0.write)" }
                    ?? (content.allSatisfy { $0 == 0 } ? "zeros" : "no write")
                failures.append("sector \(sector) (\(region)) reads \(matching); flushed through write "
                                + "\(cut.moment.flushedWrite), written up to \(cut.moment.writes), versions "
                                + "\(versions.map(\.write))")
                if failures.count >= 5 { return failures }
            }
        }
        return failures
    }

    /// Every file announced complete before the cut is in the archive with the bytes it was announced with: at
    /// its path, moved aside next to it, or (moved by a flush the cut interrupted) anywhere.
    /// `asTheVolumeReads`: the archive file at that path holds what the recovered volume reads for the file there.
    func checkArchive(_ fs: PageCacheFileSystem, cut: Cut, engine: VolumeEngine, geometry: VolumeGeometry)
        -> [(path: String, message: String, asTheVolumeReads: Bool)] {
        var failures: [(path: String, message: String, asTheVolumeReads: Bool)] = []
        let tree = engine.carTree()
        let files = fs.allPaths().filter { $0.path.hasPrefix(Self.archivePath + "/") && $0.status.kind == .regular }
        for expected in cut.completed {
            let near = [expected.path] + (1...9).map { "\(expected.path).\($0)" }
            let candidates = near.map { Self.archivePath + "/" + $0 }
                + files.filter { $0.status.size == UInt64(expected.bytes.count) }.map(\.path)
            if candidates.contains(where: { (try? fs.contents(of: $0)) == expected.bytes }) { continue }
            let found = (try? fs.contents(of: Self.archivePath + "/" + expected.path)).map {
                "\($0.count) bytes, first difference at \(firstDifference($0, expected.bytes) ?? -1)"
            } ?? "missing"
            var asTheVolumeReads = false
            if let archived = try? fs.contents(of: Self.archivePath + "/" + expected.path),
               let car = tree?.files.first(where: { ArchivePath.relative($0.path) == expected.path }),
               UInt64(archived.count) == car.size, car.clusters.count >= car.neededClusters(clusterSize: geometry.clusterSize) {
                var read: [UInt8] = []
                for cluster in car.clusters.prefix(car.neededClusters(clusterSize: geometry.clusterSize)) {
                    read += engine.read(at: geometry.clusterOffset(cluster), count: geometry.clusterSize)
                }
                asTheVolumeReads = Array(read.prefix(archived.count)) == archived
            }
            failures.append((expected.path, "complete file \(expected.path) (\(expected.bytes.count) bytes) lost: \(found)",
                             asTheVolumeReads))
        }
        return failures
    }

    /// (Verbose only) for each lost complete file: the differing bytes as announced, as recovered in the archive,
    /// in the page cache at the cut, as the recovered volume reads them, and the car's versions of that sector.
    func explainLostFiles(_ fs: PageCacheFileSystem, cut: Cut, engine: VolumeEngine, history: CarWriteHistory,
                          geometry: VolumeGeometry) {
        func hex(_ b: some Collection<UInt8>) -> String { b.prefix(32).map { String(format: "%02x", $0) }.joined() }
        for expected in cut.completed {
            guard let recovered = try? fs.contents(of: Self.archivePath + "/" + expected.path),
                  recovered != expected.bytes, let at = firstDifference(recovered, expected.bytes) else { continue }
            let start = at / 32 * 32
            func slice(_ b: [UInt8]) -> ArraySlice<UInt8> { b[min(start, b.count)..<min(start + 32, b.count)] }
            print("  LOST \(expected.path) diff at \(at) (cluster index \(at / geometry.clusterSize))")
            print("    announced  \(hex(slice(expected.bytes)))")
            print("    recovered  \(hex(slice(recovered)))")
            if let cached = cut.cached, let bytes = try? cached.contents(of: Self.archivePath + "/" + expected.path) {
                print("    cache@cut  \(hex(slice(bytes))) (\(bytes.count) bytes)")
            }
            let car = engine.carTree()?.files.first { ArchivePath.relative($0.path) == expected.path }
            print("    car file \(car.map { "\($0.pathString) size \($0.size) clusters \($0.clusters)" } ?? "none at that path")")
            guard let car, at / geometry.clusterSize < car.clusters.count else { continue }
            let cluster = car.clusters[at / geometry.clusterSize]
            let offset = geometry.clusterOffset(cluster) + UInt64(start % geometry.clusterSize)
            print("    volume     \(hex(engine.read(at: offset, count: 32))) (cluster \(cluster), disk offset \(offset))")
            let sector = offset / UInt64(CarWriteHistory.sectorSize), inSector = Int(offset % UInt64(CarWriteHistory.sectorSize))
            print("    car history: flushed through w\(cut.moment.flushedWrite), written up to w\(cut.moment.writes)")
            for version in history.versions[sector] ?? [] where version.write <= cut.moment.writes + 50 {
                print("      w\(version.write) \(hex(version.bytes[inSector..<inSector + 32]))")
            }
        }
    }

    /// Nothing but the state and the archive directories.
    func checkConfinement(_ fs: PageCacheFileSystem) -> [String] {
        fs.allPaths().compactMap { entry in
            let inside = [Self.statePath, Self.archivePath].contains { entry.path == $0 || entry.path.hasPrefix($0 + "/") }
            return inside ? nil : "\(entry.path) was written outside the state and archive directories"
        }
    }
}
