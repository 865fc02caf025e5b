import Catalog
import Logging
import Outbound
import Sinks
import Volume

/// Starts the daemon's uploader from the config: its sinks, the overall limit, the recording rule.
enum Uploading {
    static func start(_ file: Configuration, catalog: ClipCatalog, engine: VolumeEngine, archive: String,
                      state: String? = nil, logger: Logger) throws -> Uploader? {
        let setups = try SinkFactory.setups(file, state: state)
        guard !setups.isEmpty else { return nil }
        let routes = file.outboundRoutes
        let upload = file.upload ?? UploadSettings()
        for setup in setups where !routes.routedSinks.contains(setup.sink.name) {
            logger.warning("sink \(setup.sink.name) is defined but no route sends it anything")
        }
        // Files harvested before a sink was configured (or whose job creation raced a restart) go too.
        let made = try catalog.queueMissingJobs()
        if made > 0 { logger.notice("queued archived files for newly routed sinks", metadata: ["jobs": "\(made)"]) }
        let monitor = RecordingMonitor(engine: engine)
        let throttle = Throttle(bytesPerSecond: upload.bandwidth.map { Double($0.bytes) },
                                whileRecording: upload.whileRecording ?? .throttle, carIsWriting: { monitor.isWriting })
        let uploader = Uploader(catalog: catalog, sinks: setups, archiveRoot: archive, throttle: throttle,
                                policy: Uploader.Policy(backoff: upload.backoff), logger: logger)
        logger.notice("uploads", metadata: [
            "sinks": "\(setups.map { "\($0.sink.name) (\($0.sink.type))" }.joined(separator: ", "))",
            "bandwidth": "\(upload.bandwidth.map { "\($0)/s" } ?? "unlimited")",
            "whileRecording": "\((upload.whileRecording ?? .throttle).rawValue)",
        ])
        uploader.start()
        return uploader
    }
}
