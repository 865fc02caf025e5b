import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import MP4
import NIOCore
import Sinks
import Synchronization
import ServiceLifecycle
import Volume

/// The web UI and its JSON API, inside the daemon (or over a catalog alone, without an engine).
///
/// Clips are addressed by catalog id only: no part of a request path or query ever reaches the file system; the
/// bytes come through a `ClipStore` given the catalog's row.
public final class WebServer: Sendable {
    public let settings: WebSettings
    /// The state directory: where `web-password` lives.
    let state: String
    let catalog: ClipCatalog
    let clips: any ClipStore
    let monitor: CarMonitor?
    let sinks: SinkControl?
    /// Retention's policy as the Now page shows it, asked at each look: the Settings page can change it.
    let retention: (@Sendable () -> NowFigures.Retention)?
    /// The config file's editable settings; nil: the Settings page only shows the password and the sinks.
    let settingsEditor: (any SettingsEditor)?
    /// Dropbox sinks' link flow; nil: no dropbox sink.
    let dropboxLinking: (any DropboxLinking)?
    /// Asks retention which files it would take next; cached for `NowFigures.queueSeconds` (it reads every
    /// car-deleted row of the catalog).
    let evictionQueue: (@Sendable () -> [NowFigures.NextEviction])?
    let queueCache = Mutex<(at: Double, queue: [NowFigures.NextEviction])?>(nil)
    let metrics: @Sendable () -> String
    let sessions: SessionStore
    let throttle = Mutex(LoginThrottle())
    /// Monotonic seconds (login throttle, sessions, the car's activity).
    let clock: @Sendable () -> Double
    let logger: Logger
    /// Set by `stop`: live streams end so a graceful shutdown does not wait for them.
    let stopping = Atomic<Bool>(false)
    let started = Date().timeIntervalSince1970
    /// Growing clips as playable views, kept between a player's requests.
    let live: LiveMovies
    /// Complete clips' browser patches, kept between a player's range requests.
    let playablePatches = RecentCache<String, [BrowserPlayable.Patch]>(capacity: 64)
    /// Growing clips' telemetry by clip and view, as JSON.
    let liveTelemetryCache = RecentCache<String, Data>(capacity: 24)
    /// Events' places for naming drives' ends, by the event list they were read from.
    let placesCache = RecentCache<String, DrivePlaces>(capacity: 2)

    public init(settings: WebSettings, state: String, catalog: ClipCatalog, clips: any ClipStore,
                engine: VolumeEngine? = nil, sinks: SinkControl? = nil,
                retention: (@Sendable () -> NowFigures.Retention)? = nil, settingsEditor: (any SettingsEditor)? = nil,
                dropboxLinking: (any DropboxLinking)? = nil,
                evictionQueue: (@Sendable () -> [NowFigures.NextEviction])? = nil,
                metrics: (@Sendable () -> String)? = nil, logger: Logger,
                clock: @escaping @Sendable () -> Double = WebServer.monotonicSeconds) {
        self.settings = settings
        self.state = state
        self.catalog = catalog
        self.clips = clips
        self.monitor = engine.map(CarMonitor.init(engine:))
        self.sinks = sinks
        self.retention = retention
        self.settingsEditor = settingsEditor
        self.dropboxLinking = dropboxLinking
        self.evictionQueue = evictionQueue
        self.logger = logger
        self.clock = clock
        self.sessions = SessionStore(clock: clock)
        self.live = LiveMovies(catalog: catalog, clips: clips, clock: clock)
        if let metrics {
            self.metrics = metrics
        } else {
            self.metrics = { [engine, catalog] in DefaultMetrics.render(engine: engine, catalog: catalog) }
        }
    }

    private static let origin = ContinuousClock.now
    public static let monotonicSeconds: @Sendable () -> Double = {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    typealias Handler = @Sendable (Request, WebContext) async throws -> Response

    /// The router with every route; `routes` lists them as `METHOD /path/{param}` (the OpenAPI spec's spelling).
    public func router() -> (router: Router<WebContext>, routes: [String]) {
        let router = Router(context: WebContext.self)
        let table = RouteTable()
        router.add(middleware: SecurityHeaders(logger: logger, table: table, tiles: settings.mapTiles))
        func add(_ method: HTTPRequest.Method, _ path: String, _ access: Access, _ handler: @escaping Handler) {
            table.add("\(method.rawValue) " + path.split(separator: "/").map {
                $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
            }.reduce("") { $0 + "/" + $1 } + (path == "/" ? "/" : ""))
            router.on(RouterPath(path), method: method) { [self] request, context in
                var context = context
                try authorize(request, &context, access)
                return try await handler(request, context)
            }
        }
        registerPages(add)
        registerSession(add)
        registerClips(add)
        registerEvents(add)
        registerRecent(add)
        registerNow(add)
        registerLive(add)
        registerDrives(add)
        registerSinks(add)
        registerSettings(add)
        registerDropbox(add)
        add(.get, "/metrics", settings.openMetrics ? .anyone : .owner) { [self] _, _ in
            Reply.text(metrics(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        return (router, table.routes)
    }

    typealias Add = (HTTPRequest.Method, String, Access, @escaping Handler) -> Void

    /// The application on `settings.host:port`; `onRunning` learns the bound port (0 asks for a free one).
    public func application(onRunning: @escaping @Sendable (Int) -> Void = { _ in }) throws(WebError) -> some ApplicationProtocol {
        let configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil)
        let running: @Sendable (any Channel) async -> Void = { channel in onRunning(channel.localAddress?.port ?? 0) }
        guard let tls = settings.tls else {
            return Application(router: router().router, configuration: configuration, onServerRunning: running, logger: logger)
        }
        let tlsConfiguration = try tls.serverConfiguration()
        do {
            return Application(router: router().router, server: try .tls(.http1(), tlsConfiguration: tlsConfiguration),
                               configuration: configuration, onServerRunning: running, logger: logger)
        } catch {
            throw WebError(.internalServerError, "web.tls: \(tls.certFile) and \(tls.keyFile) do not make a TLS server (\(error)); is the key the certificate's?")
        }
    }

    /// Starts serving on its own task; returns once the port is bound (or binding failed).
    public func start() throws -> RunningWebServer {
        let bound = Mutex<Result<Int, any Error>?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let app = try application(onRunning: { port in bound.withLock { $0 = .success(port) }; ready.signal() })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task.detached {
            do { try await group.run() } catch {
                bound.withLock { if $0 == nil { $0 = .failure(error) } }
                ready.signal()
            }
        }
        ready.wait()
        switch bound.withLock({ $0 }) {
        case let .success(port)?:
            let sampler = Task.detached { [self] in
                while !Task.isCancelled && !stopping.load(ordering: .relaxed) {
                    monitor?.sample(at: clock())
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            logger.notice("web UI", metadata: ["url": "\(settings.scheme)://\(settings.host == "0.0.0.0" ? "localhost" : settings.host):\(port)/"])
            return RunningWebServer(port: port, group: group, task: task, sampler: sampler, server: self)
        case let .failure(error)?:
            throw WebError(.internalServerError, "the web UI cannot listen on \(settings.host):\(settings.port): \(error)")
        case nil:
            throw WebError(.internalServerError, "the web UI did not start")
        }
    }
}

/// A started server: its port, and `stop` for the daemon's shutdown.
public final class RunningWebServer: Sendable {
    public let port: Int
    let group: ServiceGroup
    let task: Task<Void, Never>
    let sampler: Task<Void, Never>
    let server: WebServer

    init(port: Int, group: ServiceGroup, task: Task<Void, Never>, sampler: Task<Void, Never>, server: WebServer) {
        self.port = port
        self.group = group
        self.task = task
        self.sampler = sampler
        self.server = server
    }

    /// Ends live streams, stops accepting, lets requests in flight finish; returns when the server is down.
    public func stop() {
        server.stopping.store(true, ordering: .relaxed)
        sampler.cancel()
        let done = DispatchSemaphore(value: 0)
        Task.detached { [group, task] in
            await group.triggerGracefulShutdown()
            _ = await task.value
            done.signal()
        }
        // A download in flight may keep the server busy; the daemon must still stop.
        if done.wait(timeout: .now() + 5) == .timedOut { task.cancel() }
    }
}
