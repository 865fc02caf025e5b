import ArgumentParser
import BlockTrace
import Catalog
import FAT32
import FUSEMount
import Foundation
import Logging
import Volume

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Record or replay block traces (the format is in Sources/BlockTrace).",
        subcommands: [TraceRecordCommand.self, TraceReplayCommand.self, PatternFileCommand.self])
}

struct TraceRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Format a fresh volume and serve it like `run`, recording every read, write and flush to a trace.")

    @Option(help: "State directory: must be empty, so a replay can start from the same freshly formatted volume.")
    var state: String
    @Option(help: "Where harvested clips go.") var archive: String
    @Option(help: "Directory to mount the FUSE file system on.") var mountpoint: String
    @Option(help: "Trace file to write.") var output: String
    @Option(help: "Volume size.") var size: String = "30G"
    @Option(help: "mbr or superfloppy.") var layout: PartitionLayout = .mbr
    @OptionGroup var common: CommonOptions

    func run() throws {
        StopSignals.blockLifecycleSignals()  // before any thread: `Serving`'s service group reads them
        let logger = common.makeLogger()
        let geometry = try VolumeFormatting.geometry(size: size, layout: layout, logger: logger)
        let header = TraceHeader(diskBytes: geometry.diskBytes, layout: layout == .mbr ? 0 : 1,
                                 volumeID: UInt32.random(in: 1...UInt32.max),
                                 formattedAt: Int64(Date().timeIntervalSince1970))
        let directory = StateDirectory(path: state)
        guard directory.isEmpty else { throw StateError.notEmpty(path: state) }
        let lock = try directory.lock()
        let recorder = try TraceRecorder(path: output, header: header)
        let engine = try directory.format(geometry: geometry, volumeID: header.volumeID,
                                          formattedAt: header.formattedAt, logger: logger, recorder: recorder,
                                          archive: try ArchiveStore(root: archive))
        let ingest = CatalogIngest(catalog: try ClipCatalog(path: directory.catalogPath, archiveRoot: archive,
                                                            logger: logger), engine: engine)
        try Serving.serve(engine: engine, lock: lock, archive: archive, mountpoint: mountpoint, logger: logger,
                          ingest: ingest)
    }
}

struct TraceReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Feed a trace to the engine, without FUSE, into a fresh state.",
        discussion: """
            --crash-after N kills the process (SIGKILL, nothing flushed) after record N; --resume-after-crash N \
            then reopens that state and replays from the record after the last flush before N: together they are \
            the crash test of a daemon killed at any point of a car's session.
            """)

    @Argument(help: "Trace file.") var trace: String
    @Option(help: "State directory (must be empty, unless resuming).") var state: String
    @Option(help: "Where harvested clips go.") var archive: String
    @Option(help: "SIGKILL this process after applying record N (0-based).") var crashAfter: Int?
    @Option(help: "Reopen a state killed by --crash-after N and finish the trace from its last flush.")
    var resumeAfterCrash: Int?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let logger = common.makeLogger()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: trace)))
        var reader = try TraceReader(bytes: bytes)
        var records: [TraceRecord] = []
        while let record = reader.next() { records.append(record) }
        let header = reader.header
        let geometry = try VolumeGeometry(diskBytes: header.diskBytes, layout: header.layout == 0 ? .mbr : .superfloppy)
        let directory = StateDirectory(path: state)
        let engine: VolumeEngine
        let lock: StateLock
        var start = 0
        if let crash = resumeAfterCrash {
            lock = try directory.lock()
            engine = try directory.open(logger: logger, archive: try ArchiveStore(root: archive))
            // Everything up to the last flush before the crash is durable; what came after it was in flight.
            if let flush = records[..<min(crash + 1, records.count)].lastIndex(of: .flush) { start = flush + 1 }
        } else {
            guard directory.isEmpty else { throw StateError.notEmpty(path: state) }
            lock = try directory.lock()
            engine = try directory.format(geometry: geometry, volumeID: header.volumeID,
                                          formattedAt: header.formattedAt, logger: logger,
                                          archive: try ArchiveStore(root: archive))
        }
        let ingest = CatalogIngest(catalog: try ClipCatalog(path: directory.catalogPath, archiveRoot: archive,
                                                            logger: logger), engine: engine)
        var counts = (writes: 0, reads: 0, flushes: 0)
        for index in start..<records.count {
            switch records[index] {
            case let .write(offset, data):
                engine.write(data, at: offset)
                counts.writes += 1
            case let .read(offset, length):
                _ = engine.read(at: offset, count: Int(length))
                counts.reads += 1
            case .flush:
                engine.flush()
                counts.flushes += 1
            }
            if index == crashAfter {
                print("crashing after record \(index)")
                kill(getpid(), SIGKILL)
            }
        }
        engine.close()
        ingest.drain()
        withExtendedLifetime(lock) {}
        let h = engine.statistics.harvest
        print("harvest: \(h.archiveBytesWritten) bytes into archive files, \(h.stagingBytesWritten) into staging, \(h.promotedBytes) promoted, \(h.filesCompleted) files complete")
        print("replayed \(counts.writes) writes, \(counts.reads) reads, \(counts.flushes) flushes from record \(start)")
        if let error = reader.error {
            // A trace cut short by a crash still replays up to its last whole record.
            logger.warning("trace ended early", metadata: ["reason": "\(error)"])
        }
    }
}

struct PatternFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pattern-file",
        abstract: "Write a file of pattern blocks: content a trace stores in a few bytes (for fixtures and test cars).")

    @Option(help: "Seed of the content.") var seed: UInt64
    @Option(help: "Size, e.g. 3M or 12345.") var size: String
    @Option(help: "File to write.") var output: String

    func run() throws {
        guard let bytes = ByteSize(parsing: size)?.bytes else { throw ValidationError("'\(size)' is not a size") }
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        var done: UInt64 = 0
        while done < bytes {
            let n = Int(min(1 << 20, bytes - done))
            try handle.write(contentsOf: PatternBlock.fileBytes(seed: seed, offset: done, count: n))
            done += UInt64(n)
        }
    }
}
