import Catalog
import Logging
import Sinks
import Volume
import Web

/// Starts the daemon's web UI from the config's `web` section: clips read through the engine while the car writes
/// them, from the archive once complete; the sinks' switches; `/metrics`.
enum WebUI {
    static func start(_ web: WebConfig, file: Configuration, state: String, archive: String, catalog: ClipCatalog,
                      engine: VolumeEngine, logger: Logger,
                      metrics: (@Sendable () -> String)? = nil) throws -> RunningWebServer {
        let policy = file.retentionPolicy
        let sinks = try SinkFactory.setups(file).map(\.sink)
        let server = WebServer(
            settings: web.settings, state: state, catalog: catalog,
            clips: LiveClipStore(engine: engine, archive: ArchiveClipStore(root: archive)), engine: engine,
            sinks: sinks.isEmpty ? nil : SinkControl(catalog: catalog, sinks: sinks),
            retention: NowFigures.Retention(recentDays: policy.recentDays, eventDays: policy.eventDays,
                                            minFreeBytes: policy.minFreeBytes),
            metrics: metrics, logger: logger)
        if (try? PasswordHash.load(state: state)) == nil {
            logger.warning("the web UI has no password yet: set one with `teslacam passwd --state \(state)`")
        }
        return try server.start()
    }
}
