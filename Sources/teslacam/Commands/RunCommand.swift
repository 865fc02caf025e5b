import ArgumentParser
import CLinux
import Catalog
import FAT32
import FUSEMount
import Foundation
import Logging
import Retention
import ServiceLifecycle
import Sinks
import UnixSignals
import Volume
import Web

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the volume as MOUNTPOINT/volume.img (formatting an empty state first) until SIGINT/SIGTERM.")

    @Option(help: "State directory: volume metadata and staging.") var state: String?
    @Option(help: "Where harvested clips go (created if missing).") var archive: String?
    @Option(help: "Directory to mount the FUSE file system on.") var mountpoint: String?
    @Option(help: "JSON config file; flags override it.") var config: String?
    @Option(help: "Size for a fresh volume (default 30G).") var size: String?
    @Option(help: "Layout for a fresh volume: mbr or superfloppy.") var layout: PartitionLayout?
    @Option(help: "Write cache for data waiting for its owner (default 16M).") var cache: String?
    @Option(help: "Memory for the car's writes while the board's disk refuses them (default 64M).") var hold: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        // First: every thread the daemon starts inherits this mask, and the service group reads these signals.
        StopSignals.blockLifecycleSignals()
        // Read before anything runs: a reload execs exactly this again (FUSEHandover).
        let program = FUSEHandover.Program.current()
        // FUSE serves requests from 8 threads; glibc would give each its own malloc arena, and cluster buffers
        // cycling through them would keep ~100 MiB resident on a board with 512 MiB.
        _ = clinux_limit_malloc_arenas(2)
        let file = try config.map { path throws(ConfigurationError) in try Configuration.load(from: path) } ?? Configuration()
        let logger = common.makeLogger(configured: file.logLevel?.rawValue)
        guard let statePath = state ?? file.state else { throw ConfigurationError.missing(setting: "state") }
        guard let archivePath = archive ?? file.archive else { throw ConfigurationError.missing(setting: "archive") }
        guard let mountPath = mountpoint ?? file.mountpoint else { throw ConfigurationError.missing(setting: "mountpoint") }

        let stateDirectory = StateDirectory(path: statePath)
        // Checked before anything is created, so a wrong path leaves nothing behind.
        if !stateDirectory.isEmpty { try stateDirectory.check() }
        // A stale mount left by a killed daemon answers ENOTCONN; FUSEMount clears it. A mount being handed over is
        // not touched: nobody answers it until this process does, so even access(2) would wait for ever.
        let handingOver = getenv(FUSEHandover.descriptorVariable) != nil || getenv("LISTEN_FDS") != nil
        guard handingOver || access(mountPath, F_OK) == 0 || errno == ENOTCONN else {
            throw ValidationError("the mountpoint \(mountPath) does not exist; create it first")
        }
        let cacheBytes = try cache.map { text in
            guard let size = ByteSize(parsing: text) else { throw ValidationError("'\(text)' is not a size like 32M") }
            return size
        } ?? file.cache ?? ByteSize(bytes: UInt64(VolumeEngine.defaultCacheLimit))
        guard cacheBytes.bytes >= 1 << 20, cacheBytes.bytes <= 4 << 30 else {
            throw ValidationError("the write cache must be between 1M and 4G")
        }
        let holdBytes = try hold.map { text in
            guard let size = ByteSize(parsing: text) else { throw ValidationError("'\(text)' is not a size like 64M") }
            return size
        } ?? file.hold ?? ByteSize(bytes: UInt64(VolumeEngine.defaultHoldLimit))
        guard holdBytes.bytes >= 1 << 20, holdBytes.bytes <= 16 << 30 else {
            throw ValidationError("the memory for refused writes (hold) must be between 1M and 16G")
        }
        let lock = try stateDirectory.lock()
        let archiveStore = try ArchiveStore(root: archivePath)
        let engine: VolumeEngine
        // Beside the FUSE request journal (tmpfs under systemd): what the car wrote and the harvest has not placed
        // yet outlives a crash of this process (`WriteCache`).
        let cacheFile = FUSEMount.besideMountpoint(mountPath, ".write-cache")
        if stateDirectory.isEmpty {
            let sizeText = size ?? file.size?.description ?? "30G"
            logger.notice("state is empty: formatting a new volume", metadata: ["state": "\(statePath)", "size": "\(sizeText)"])
            engine = try VolumeFormatting.format(state: stateDirectory, size: sizeText,
                                                 layout: layout ?? file.layout ?? .mbr, logger: logger,
                                                 archive: archiveStore, cacheLimit: Int(cacheBytes.bytes),
                                                 holdLimit: Int(holdBytes.bytes),
                                                 minFree: file.retentionPolicy.minFreeBytes, cacheFile: cacheFile)
        } else {
            engine = try stateDirectory.open(logger: logger, archive: archiveStore, cacheLimit: Int(cacheBytes.bytes),
                                             holdLimit: Int(holdBytes.bytes), cacheFile: cacheFile)
        }
        let catalog = try ClipCatalog(path: stateDirectory.catalogPath, archiveRoot: archivePath, logger: logger,
                                      routes: file.outboundRoutes, telemetrySidecars: statePath + "/derived/telemetry")
        let ingest = CatalogIngest(catalog: catalog, engine: engine)
        let uploader = try Uploading.start(file, catalog: catalog, engine: engine, archive: archivePath,
                                           state: statePath, logger: logger)
        let policy = file.retentionPolicy
        logger.notice("retention", metadata: [
            "recentDays": "\(policy.recentDays)", "eventDays": "\(policy.eventDays)",
            "reserve": "\(policy.reserve == .auto ? "auto (the volume's free clusters + minFree)" : "\(policy.reserve)")",
            "minFree": "\(Wording.bytes(policy.minFreeBytes))",
        ])
        // Shared with the web UI's Settings page, which may change it while the car records.
        let live = LivePolicy(policy)
        let retainer = Retainer(engine: engine,
                                pass: RetentionPass(catalog: catalog, live: live, state: statePath, archive: archivePath),
                                archive: archiveStore, logger: logger, beforePass: { ingest.drain() })
        // The Settings page edits the file this daemon was started with; a reload is SIGHUP to itself (the exec
        // below, the FUSE connection kept), a moment later so the page's request is answered first.
        let hangUp: @Sendable () -> Void = {
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { @Sendable in _ = kill(getpid(), SIGHUP) }
        }
        let reload = program == nil ? nil : hangUp
        var editor: ConfigSettingsEditor? = nil
        if let config, file.web != nil {
            editor = ConfigSettingsEditor(path: config, loaded: try ConfigSettingsEditor.document(at: config), live: live,
                                          requestReload: reload)
        }
        let web = try file.web.map { [editor] web in
            let metrics = DaemonMetrics(engine: engine, catalog: catalog, sinks: try SinkFactory.setups(file).map(\.sink),
                                        uploader: uploader, retainer: retainer)
            return try WebUI.start(web, file: file, state: statePath, archive: archivePath, catalog: catalog, engine: engine,
                                   logger: logger, live: live, reachability: uploader?.reachability, settingsEditor: editor, metrics: { metrics.text() })
        }
        let repairs = RepairLoop(catalog: catalog, state: statePath, archive: archivePath, logger: logger)
        defer { repairs.stop() }
        let systemd = SystemdService(logger: logger)
        let end = try Serving.serve(engine: engine, lock: lock, archive: archivePath, mountpoint: mountPath,
                                    logger: logger, retainer: retainer, uploader: uploader, web: web, systemd: systemd,
                                    repairs: repairs, ingest: ingest, reloadAs: program)
        if case let .reload(descriptor) = end, let program {
            logger.notice("reloading: exec \(program.executable), the FUSE connection kept", metadata: ["descriptor": "\(descriptor)"])
            let failure = FUSEHandover.reexec(program, descriptor: descriptor, restore: systemd.inheritedEnvironment)
            throw ValidationError("reload failed: cannot exec \(program.executable): \(String(cString: strerror(failure))); "
                                  + "the mount stays until the service is restarted")
        }
    }
}

/// Mounts an engine and serves it until a termination signal: shared by `run` and `trace record`.
///
/// Signals and the shutdown order belong to one service group (swift-service-lifecycle). The parts `run` started
/// are its services in start order; the group stops them in reverse, each finished before the next is told:
/// systemd hears STOPPING=1 (or RELOADING=1), the web UI and the sinks stop, FUSE stops reading (and unmounts, or
/// keeps the connection for a reload), housekeeping ends, the engine closes (the final flush, the archive's close,
/// the stop line), and the catalog drains the engine's last events.
enum Serving {
    /// `retainer`: retention running beside the car (stopped before the engine closes). `reloadAs`: SIGHUP ends
    /// serving with `.reload` (the mount kept for that program) instead of a stop.
    @discardableResult
    static func serve(engine: VolumeEngine, lock: StateLock, archive: String, mountpoint: String,
                      logger: Logger, retainer: Retainer? = nil, uploader: Uploader? = nil,
                      web: RunningWebServer? = nil, systemd: SystemdService? = nil, repairs: RepairLoop? = nil,
                      ingest: CatalogIngest? = nil, reloadAs program: FUSEHandover.Program? = nil) throws -> ServingEnd {
        // Before any thread of serving exists (threads inherit the mask): the group reads them from a signalfd.
        StopSignals.blockLifecycleSignals()
        let mount = FUSEMount(filesystem: VolumeFilesystem(engine: engine), mountpoint: mountpoint, logger: logger)
        // A connection handed over: by a reload's exec, or from systemd's fd store after a crash.
        let inherited = FUSEHandover.takeReloadDescriptor() ?? systemd?.storedConnection
        let g = engine.manifest.geometry
        // Clips the car stopped writing are judged complete even when no further flush comes (the car parked).
        let settler = Settler(engine: engine)
        let intent = ShutdownIntent()
        let volume = VolumeService(mount: mount, inherited: inherited, intent: intent, logger: logger,
                                   onConnected: { systemd?.storeConnection($0) }, onReady: {
            logger.notice("ready", metadata: [
                "image": "\(mountpoint)/\(VolumeFilesystem.imageName)",
                "size": "\(ByteSize(bytes: g.diskBytes))",
                "layout": "\(g.layout.rawValue)",
                "clusterSize": "\(g.clusterSize)",
                "archive": "\(archive)",
            ])
            systemd?.ready(engine: engine, image: "\(mountpoint)/\(VolumeFilesystem.imageName)")
        })
        typealias Configured = ServiceGroupConfiguration.ServiceConfiguration
        // Start order; the shutdown runs from the bottom up.
        var services: [Configured] = [
            Configured(service: StopStep("catalog") {
                ingest?.drain()  // the events of the engine's close are in the catalog
                logger.notice("shutdown: catalog drained")
            }),
            Configured(service: StopStep("engine") {
                engine.close()
                engine.recorder?.drain()
                logStopped(engine.statistics, retainer: retainer, uploader: uploader, logger: logger)
            }),
            Configured(service: StopStep("housekeeping") {
                settler.stop()  // nothing may place clusters after `close` trimmed the files
                retainer?.stop()  // no eviction may race the engine's close
                repairs?.stop()
                logger.notice("shutdown: settling, retention and repairs ended")
            }),
            Configured(service: volume, successTerminationBehavior: .gracefullyShutdownGroup,
                       failureTerminationBehavior: .gracefullyShutdownGroup),
            Configured(service: StopStep("sinks") {
                uploader?.stop()  // deliveries under way end; their jobs stay pending for the next start
                if uploader != nil { logger.notice("shutdown: sinks stopped, unfinished jobs kept") }
            }),
            Configured(service: StopStep("web") {
                web?.stop()  // no request may read through the engine once it closes
                if web != nil { logger.notice("shutdown: web UI closed") }
            }),
            Configured(service: StopStep("systemd") {
                let reason = intent.reason
                logger.notice("shutting down", metadata: ["reason": "\(reason)"])
                // Before the heartbeat could see a closing engine.
                if reason == .reload { systemd?.reloading() } else { systemd?.stopping() }
            }),
        ]
        var signals: [UnixSignal] = [.sigterm, .sigint]
        if program != nil { services.append(Configured(service: HangupService(intent: intent))) } else { signals.append(.sighup) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
        intent.attach(group)
        // This thread only waits: the group runs on the cooperative pool, blocking work on threads of its own.
        let outcome = Latch<Result<Void, any Error>>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await group.run(); outcome.fire(.success(())) } catch { outcome.fire(.failure(error)) }
            done.signal()
        }
        done.wait()
        settler.stop()
        withExtendedLifetime(lock) {}
        if case let .failure(error)? = outcome.value { throw error }
        return volume.end.value ?? .stopped
    }

    /// The stop line, with the statistics of the whole run.
    static func logStopped(_ stats: VolumeStatistics, retainer: Retainer?, uploader: Uploader?, logger: Logger) {
        logger.notice("stopped", metadata: [
            "carBytesWritten": "\(stats.carBytesWritten)",
            "flushRequests": "\(stats.flushRequests)",
            "synchronizations": "\(stats.synchronizations)",
            "writebacks": "\(stats.writebacks)",
            "discardedClusters": "\(stats.discardedClusters)",
            "backingStoreErrors": "\(stats.backingStoreErrors)",
            "heldInMemoryBytes": "\(stats.unflushedBytes)",
            "heldPeakBytes": "\(stats.heldPeakBytes)",
            "heldLimitBytes": "\(stats.heldLimitBytes)",
            "heldLostBytes": "\(stats.heldLostBytes)",
            "carDataBytesWritten": "\(stats.harvest.carDataBytesWritten)",
            "archiveBytesWritten": "\(stats.harvest.archiveBytesWritten)",
            "stagingBytesWritten": "\(stats.harvest.stagingBytesWritten)",
            "promotedBytes": "\(stats.harvest.promotedBytes)",
            "filesCompleted": "\(stats.harvest.filesCompleted)",
            "cachePeakBytes": "\(stats.harvest.cachePeakBytes)",
            "completionLatencyMedianMs": "\(Int(stats.harvest.completionLatencyMedian * 1000))",
            "completionLatencyMaxMs": "\(Int(stats.harvest.completionLatencyMax * 1000))",
            "evictions": "\(retainer?.statistics.evictions ?? 0)",
            "evictedBytes": "\(retainer?.statistics.evictedBytes ?? 0)",
            "notUploadedEvictions": "\(retainer?.statistics.notUploadedEvictions ?? 0)",
            "uploadsDelivered": "\(uploader?.statistics.values.reduce(0) { $0 + $1.delivered } ?? 0)",
            "uploadBytesSent": "\(uploader?.statistics.values.reduce(0) { $0 + $1.sentBytes } ?? 0)",
        ])
    }
}
