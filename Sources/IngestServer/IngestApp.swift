import Foundation
import Hummingbird
import HummingbirdTLS
import Ingest
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// HTTPTypes' field, reached through Hummingbird's re-exported `HTTPFields`.
typealias HTTPField = HTTPFields.Element

/// A request's context: Hummingbird's, plus the channel, which holds the TLS handler and so the device's certificate.
struct IngestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The ingest server: mutual TLS in front of the tus routes, `/status` and `/metrics`.
public struct IngestServer {
    public let config: IngestConfig

    public init(config: IngestConfig) { self.config = config }

    public func run(logger: Logger) async throws {
        let store = try ObjectStore(config.storage)
        let postgres = PostgresClient(configuration: try PostgresURL.configuration(config.postgres), backgroundLogger: logger)
        let catalog = FleetCatalog(client: postgres, logger: logger)
        let metrics = IngestMetrics()
        let service = TusService(config: config, store: store, catalog: catalog, metrics: metrics, logger: logger)
        let allow = config.allow.map(Set.init)
        let router = Router(context: IngestContext.self)

        /// Every route: the device from the certificate, the rate limit, then the handler; errors as JSON in words.
        @Sendable func route(_ method: String, _ body: @escaping @Sendable (String, Request, IngestContext) async throws(TusError) -> TusReply)
            -> @Sendable (Request, IngestContext) async throws -> Response {
            { request, context in
                let reply: TusReply
                do throws(TusError) {
                    let device = try await DeviceIdentity.device(on: context.channel, allow: allow)
                    metrics.saw(connection: context.channel)
                    try await service.admit(device: device)
                    reply = try await body(device, request, context)
                } catch {
                    if error.status >= 500 { logger.warning("\(method) \(request.uri.path): \(error.message)") }
                    metrics.add("teslacam_ingest_errors_total", [("reason", "\(error.status)")])
                    var headers: [(String, String)] = []
                    if let retry = error.retryAfter { headers.append(("Retry-After", "\(retry)")) }
                    headers += error.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                    reply = TusReply(status: error.status, headers: headers, json: Self.errorJSON(error))
                }
                metrics.add("teslacam_ingest_requests_total", [("method", method), ("status", "\(reply.status)")])
                return Self.response(reply)
            }
        }

        router.on("/files", method: .options, use: route("OPTIONS") { _, _, _ in service.options() })
        let create = route("POST") { device, request, _ throws(TusError) in try await service.create(device: device, header: Self.header(request)) }
        router.on("/files", method: .post, use: create)
        router.on("/files/:id", method: .head, use: route("HEAD") { device, request, context throws(TusError) in
            try await service.head(device: device, id: context.parameters.get("id") ?? "", header: Self.header(request))
        })
        router.on("/files/:id", method: .patch, use: route("PATCH") { device, request, context throws(TusError) in
            try await service.patch(device: device, id: context.parameters.get("id") ?? "", header: Self.header(request), body: request.body)
        })
        router.on("/files/:id", method: .delete, use: route("DELETE") { device, request, context throws(TusError) in
            try await service.terminate(device: device, id: context.parameters.get("id") ?? "", header: Self.header(request))
        })
        router.get("/metrics", use: route("GET") { _, _, _ in
            TusReply(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], json: metrics.exposition())
        })
        router.get("/status", use: route("GET") { _, _, _ in
            let status = await IngestStatus.check(store: store, catalog: catalog, metrics: metrics)
            return TusReply(status: status.healthy ? 200 : 503, json: status.json)
        })

        func load<T>(_ key: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch {
                throw SetupError(description: "\(key) \(path) cannot be loaded as PEM (\(error)); teslacam-ingest ca server / ca init make them")
            }
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try load("tls.certFile", config.tls.certFile) { try NIOSSLCertificate.fromPEMFile(config.tls.certFile).map { .certificate($0) } },
            privateKey: .privateKey(try load("tls.keyFile", config.tls.keyFile) { try NIOSSLPrivateKey(file: config.tls.keyFile, format: .pem) }))
        // The operator's CA only (not the system's): a device certificate must chain to it, or no handshake.
        tls.trustRoots = .certificates(try load("tls.caFile", config.tls.caFile) { try NIOSSLCertificate.fromPEMFile(config.tls.caFile) })
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12

        var app = Application(
            router: router,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "teslacam-ingest"),
            services: [postgres, UploadSweep(service: service, interval: Double(config.uploads.sweepSeconds), batch: Self.sweepBatch)],
            logger: logger)
        app.beforeServerStarts {
            try await catalog.migrate()
        }
        try await app.runService()
    }

    /// Open uploads one instance looks at per sweep round.
    static let sweepBatch = 100

    struct SetupError: Error, CustomStringConvertible { var description: String }

    static func header(_ request: Request) -> @Sendable (String) -> String? {
        let fields = request.headers
        return { name in HTTPField.Name(name).flatMap { fields[$0] } }
    }

    static func errorJSON(_ error: TusError) -> String {
        let object: [String: Any] = ["error": error.message, "status": error.status]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static func response(_ reply: TusReply) -> Response {
        var headers = HTTPFields()
        headers[HTTPField.Name("Tus-Resumable")!] = Tus.version
        for (name, value) in reply.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        var body = ResponseBody()
        if let json = reply.json {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ResponseBody(byteBuffer: ByteBuffer(string: json + "\n"))
        }
        return Response(status: .init(code: reply.status), headers: headers, body: body)
    }
}
