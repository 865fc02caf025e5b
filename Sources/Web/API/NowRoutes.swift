import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Now page's figures, once (`/api/now`) or as server-sent events every second (`/api/now/stream`).
extension WebServer {
    /// A stream ends after this long; EventSource reconnects by itself, and no connection lives forever.
    static let streamSeconds = 300

    func registerNow(_ add: Add) {
        add(.get, "/api/now", .owner) { [self] _, _ in try Reply.json(nowFigures()) }
        add(.get, "/api/now/stream", .owner) { [self] _, _ in
            let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                       HTTPField.Name("X-Accel-Buffering")!: "no"]
            return Response(status: .ok, headers: headers, body: ResponseBody { [self] writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                for _ in 0..<Self.streamSeconds {
                    if stopping.load(ordering: .relaxed) || Task.isCancelled { break }
                    let figures = try Reply.encoder.encode(nowFigures())
                    try await writer.write(ByteBuffer(string: "event: now\ndata: " + String(decoding: figures, as: UTF8.self) + "\n\n"))
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
        }
    }

    func nowFigures() throws -> NowFigures {
        let now = clock()
        let activity = monitor?.current
        let stats = monitor?.engine.statistics
        var growing: [NowFigures.Growing] = []
        for row in try catalog.growingClips().prefix(64) {
            // The engine's size is what the car's entry says this moment; the catalog's trails by a pass.
            let size = (try? clips.open(row)).map { Int64($0.length) } ?? row.size
            growing.append(NowFigures.Growing(id: row.id!, name: row.path.split(separator: "/").last.map(String.init) ?? "",
                                              camera: row.camera, kind: row.eventKind.rawValue, size: size))
        }
        let disk = monitor.map { monitor -> NowFigures.Disk in
            let space = monitor.engine.space()
            return NowFigures.Disk(archiveFreeBytes: space.archiveFreeBytes, archiveTotalBytes: space.archiveTotalBytes,
                                   volumeBytes: monitor.engine.size, volumeFreeBytes: space.volumeFreeBytes)
        }
        return NowFigures(engine: monitor != nil, carConnected: activity?.connected(at: now) ?? false,
                          carWriting: activity?.writing(at: now) ?? false,
                          secondsSinceWrite: activity?.secondsSinceWrite(at: now),
                          secondsSinceFlush: activity?.secondsSinceFlush(at: now), writeRate: activity?.writeRate ?? 0,
                          carBytesWritten: stats?.carBytesWritten ?? 0, cacheBytes: stats?.harvest.cachedBytes ?? 0,
                          heldBytes: stats?.unflushedBytes ?? 0, growing: growing, disk: disk, retention: retention?(),
                          nextEvictions: nextEvictions(at: now), sinks: sinkStates(), at: Date().timeIntervalSince1970)
    }

    /// Retention's queue, asked again at most every `queueSeconds` (the Now stream would otherwise read the
    /// catalog's deleted rows every second for each open page).
    func nextEvictions(at now: Double) -> [NowFigures.NextEviction]? {
        guard let evictionQueue else { return nil }
        if let cached = queueCache.withLock({ $0 }), now - cached.at < NowFigures.queueSeconds, now >= cached.at { return cached.queue }
        let queue = evictionQueue()
        queueCache.withLock { $0 = (now, queue) }
        return queue
    }

    func sinkStates() -> [NowFigures.SinkState] {
        guard let sinks, let summaries = try? sinks.status() else { return [] }
        return summaries.map { summary in
            let status = summary.status
            let away = sinks.reachability?.offline(status.name)
            let state = status.stopped != nil ? "stopped" : !status.enabled ? "disabled" : away != nil ? "offline"
                : (status.lastErrorAt ?? 0) > (status.lastSuccessAt ?? 0) ? "failing" : "ok"
            return NowFigures.SinkState(name: status.name, enabled: status.enabled, state: state, queued: summary.totalDepth,
                                        lastSuccessAt: status.lastSuccessAt, lastError: status.stopped ?? status.lastError,
                                        sentBytes: status.sentBytes, offline: away?.reason, offlineSince: away?.since)
        }
    }
}
