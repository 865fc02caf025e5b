import Foundation
import Catalog
import Logging
import Retention
import Sinks
import Volume
import Web

/// Starts the daemon's web UI from the config's `web` section: clips read through the engine while the car writes
/// them, from the archive once complete; the sinks' switches; `/metrics`.
enum WebUI {
    static func start(_ web: WebConfig, file: Configuration, state: String, archive: String, catalog: ClipCatalog,
                      engine: VolumeEngine, logger: Logger, live: LivePolicy, reachability: SinkReachability? = nil, settingsEditor: (any SettingsEditor)? = nil,
                      metrics: (@Sendable () -> String)? = nil) throws -> RunningWebServer {
        let pass = RetentionPass(catalog: catalog, live: live, state: state, archive: archive)
        let sinks = try SinkFactory.setups(file).map(\.sink)
        let server = WebServer(
            settings: web.settings, state: state, catalog: catalog,
            clips: LiveClipStore(engine: engine, archive: ArchiveClipStore(root: archive)), engine: engine,
            sinks: sinks.isEmpty ? nil : SinkControl(catalog: catalog, sinks: sinks, reachability: reachability),
            retention: { [live] in
                let policy = live.current
                return NowFigures.Retention(recentDays: policy.recentDays, eventDays: policy.eventDays,
                                            minFreeBytes: policy.minFreeBytes)
            },
            settingsEditor: settingsEditor, dropboxLinking: DropboxLinker.make(file),
            evictionQueue: { [engine] in Self.queue(pass, engine: engine, logger: logger) },
            metrics: metrics, logger: logger)
        if (try? PasswordHash.load(state: state)) == nil {
            logger.warning("the web UI has no password yet: set one with `teslacam passwd --state \(state)`")
        }
        return try server.start()
    }

    /// The Now page's "next to go": retention's order over the catalog's car-deleted files, as the page shows them.
    static func queue(_ pass: RetentionPass, engine: VolumeEngine, logger: Logger) -> [NowFigures.NextEviction] {
        do {
            return try pass.queue(referenced: engine.referencedArchivePaths(), now: Int64(Date().timeIntervalSince1970),
                                  limit: NowFigures.queueLength).map { eviction in
                NowFigures.NextEviction(path: eviction.file.path, kind: eviction.file.kind.rawValue, size: eviction.file.size,
                                        recordedAt: eviction.file.recordedAt, reason: words(eviction.reason),
                                        notUploaded: eviction.reason.isWarning)
            }
        } catch {
            logger.warning("the Now page cannot ask retention what goes next", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// The queue's reasons read as what would happen, not as what is happening: the age rules are due at the next
    /// pass; the space rules only once free space falls below the reserve.
    static func words(_ reason: EvictionReason) -> String {
        switch reason {
        case .recentExpired, .eventExpired: "due at the next pass: " + reason.description
        case .spaceRecent: "once free space falls below the reserve: the oldest RecentClip the car deleted"
        case .spaceEventUploaded: "once free space falls below the reserve and no RecentClip is left: uploaded everywhere"
        case let .spaceEventNotUploaded(sinks):
            "only when nothing else is left to free space: NOT uploaded to " + sinks.joined(separator: ", ")
        }
    }
}
