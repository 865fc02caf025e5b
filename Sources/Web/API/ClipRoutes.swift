import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Telemetry

/// A clip's bytes by catalog id, with byte ranges (a video element seeks with them), its facts and telemetry.
extension WebServer {
    static let chunkSize = 256 << 10

    func registerClips(_ add: Add) {
        add(.get, "/api/clips/:id", .owner) { [self] request, context in try clipBytes(request, context) }
        add(.head, "/api/clips/:id", .owner) { [self] request, context in try clipBytes(request, context) }
        add(.get, "/api/clips/:id/live", .owner) { [self] _, context in try liveFacts(try clip(context)) }
        add(.get, "/api/clips/:id/info", .owner) { [self] _, context in
            let clip = try clip(context)
            return try Reply.json(ClipInfo(clip))
        }
        add(.get, "/api/clips/:id/telemetry", .owner) { [self] _, context in
            let clip = try clip(context)
            if clip.state == .growing, clip.kind == .mp4 { return try liveTelemetry(clip) }
            guard let telemetry = try catalog.telemetry(clipID: clip.id!) else {
                throw WebError(.notFound, clip.state == .complete ? "clip \(clip.id!) has no telemetry row"
                               : "clip \(clip.id!) is not complete yet; its telemetry is read when it is")
            }
            // The track is stored as compact JSON already: spliced in, not decoded and encoded again.
            let head = try Reply.encoder.encode(TelemetryFacts(telemetry))
            var body = Data(head.dropLast())
            body.append(contentsOf: Array(",\"track\":".utf8))
            body.append(contentsOf: Array(telemetry.track.utf8))
            body.append(UInt8(ascii: "}"))
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "private, max-age=300"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// The catalog row named by the route's `id`.
    func clip(_ context: WebContext) throws -> ClipRecord {
        let id = try CatalogID.parse(context.parameters.get("id"))
        guard let clip = try catalog.clip(id: id) else { throw WebError.noClip(id) }
        return clip
    }

    func clipBytes(_ request: Request, _ context: WebContext) throws -> Response {
        let clip = try clip(context)
        let opened: any ClipReader
        do { opened = try clips.open(clip) } catch {
            throw WebError(error == .gone(id: clip.id!) ? .gone : .internalServerError, "\(error)")
        }
        let query = request.uri.queryParameters
        let playing = query["play"] == "1" && clip.path.lowercased().hasSuffix(".mp4")
        let upto = try query["upto"].map { text throws(WebError) -> UInt64 in
            guard text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = UInt64(String(text)) else {
                throw WebError(.badRequest, "'upto' must be a byte count from the clip's live facts")
            }
            return value
        }
        let reader: any ClipReader
        if playing, let upto {
            // One view of a growing clip, named by the bytes it covers: every range request of a player sees it alike.
            reader = LiveMovieReader(movie: try live.view(clip, reader: opened, upto: upto), base: opened)
        } else if playing, clip.state == .growing, let movie = try? live.current(clip, reader: opened) {
            reader = LiveMovieReader(movie: movie, base: opened)
        } else {
            reader = playing ? PlayableClipReader(opened, clip: clip, cache: playablePatches) : opened
        }
        let length = reader.length
        var headers: HTTPFields = [
            .contentType: Self.mediaType(clip.path), .acceptRanges: "bytes",
            // A growing clip changes under the same id; a complete one only if the car rewrites it.
            .cacheControl: upto != nil && playing ? "private, max-age=600" : clip.state == .growing ? "no-store" : "private, no-cache",
            .contentDisposition: "inline; filename=\"\(Self.downloadName(clip.path))\"",
        ]
        if let sha = clip.sha256, clip.state != .growing { headers[.eTag] = "\"\(sha.prefix(32))\"" }
        let range: Range<UInt64>
        var status = HTTPResponse.Status.ok
        switch ByteRange(header: request.headers[.range], length: length) {
        case .whole: range = 0..<length
        case let .partial(part):
            range = part
            status = .partialContent
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(length)"
        case .unsatisfiable:
            throw WebError(.rangeNotSatisfiable, "the clip has \(length) bytes", headers: [.contentRange: "bytes */\(length)"])
        }
        headers[.contentLength] = "\(range.count)"
        if request.method == .head { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: range.count) { writer in
            var offset = range.lowerBound
            while offset < range.upperBound {
                let count = Int(min(UInt64(Self.chunkSize), range.upperBound - offset))
                var bytes = try reader.read(at: offset, count: count)
                // The file shrank after it was opened (the car rewrote it): the promised length is kept with zeros
                // rather than a truncated response the browser would retry forever.
                if bytes.count < count { bytes += [UInt8](repeating: 0, count: count - bytes.count) }
                try await writer.write(ByteBuffer(bytes: bytes))
                offset += UInt64(count)
            }
            try await writer.finish(nil)
        })
    }

    /// A growing clip's telemetry, read from its newest live view (the catalog reads a clip's once it completes);
    /// kept per view, so the players renewing every few seconds read it once per re-plan.
    func liveTelemetry(_ clip: ClipRecord) throws -> Response {
        let opened: any ClipReader
        do { opened = try clips.open(clip) } catch {
            throw WebError(error == .gone(id: clip.id!) ? .gone : .internalServerError, "\(error)")
        }
        let movie = try live.current(clip, reader: opened)
        let key = "\(clip.id!):\(movie.upto)"
        let body: Data
        if let known = liveTelemetryCache[key] {
            body = known
        } else {
            let reader = LiveMovieReader(movie: movie, base: opened)
            let telemetry: ClipTelemetry
            do {
                telemetry = try TelemetryReader.read(fileSize: reader.length) { (try? reader.read(at: $0, count: $1)) ?? [] }
            } catch {
                throw WebError(.notFound, "clip \(clip.id!) has no telemetry so far: \(error)")
            }
            let summary = TelemetrySummary(frames: telemetry.frames)
            let head = try Reply.encoder.encode(TelemetryFacts(clipID: clip.id!, summary: summary, absence: telemetry.absence))
            var data = Data(head.dropLast())
            data.append(contentsOf: Array(",\"live\":true,\"upto\":\(movie.upto),\"track\":".utf8))
            data.append(contentsOf: Array(TelemetryTrack(frames: telemetry.frames).json.utf8))
            data.append(UInt8(ascii: "}"))
            body = data
            liveTelemetryCache[key] = data
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// How much of a clip plays now: the newest live view of a growing clip (its `upto` names the view for the
    /// player's range requests), or `growing: false` once the car has finished it.
    func liveFacts(_ clip: ClipRecord) throws -> Response {
        struct Facts: Encodable { var id: Int64; var growing: Bool; var size: UInt64; var upto: UInt64?; var duration: Double?; var frames: Int? }
        let opened: any ClipReader
        do { opened = try clips.open(clip) } catch {
            throw WebError(error == .gone(id: clip.id!) ? .gone : .internalServerError, "\(error)")
        }
        guard clip.state == .growing, clip.path.lowercased().hasSuffix(".mp4") else {
            return try Reply.json(Facts(id: clip.id!, growing: false, size: opened.length))
        }
        do {
            let movie = try live.current(clip, reader: opened)
            return try Reply.json(Facts(id: clip.id!, growing: true, size: opened.length, upto: movie.upto,
                                        duration: movie.duration, frames: movie.frames))
        } catch let error as WebError where error.status == .conflict && error.message.hasSuffix(LiveMovies.complete) {
            // The car wrote its moov; the catalog hears of it on its next pass.
            return try Reply.json(Facts(id: clip.id!, growing: false, size: opened.length))
        }
    }

    static func mediaType(_ path: String) -> String {
        switch path.split(separator: ".").last?.lowercased() {
        case "mp4": "video/mp4"
        case "png": "image/png"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }

    /// The file's own name, reduced to safe characters for a header.
    static func downloadName(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? "clip"
        return String(name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0)) }.map(Character.init))
    }
}

/// A clip's facts as the API shows them.
struct ClipInfo: Encodable {
    var id: Int64
    var name: String
    var state: String
    var kind: String
    var eventKind: String
    var camera: String?
    var size: Int64
    var clipTime: Int64?
    var recordedAt: Int64?
    var duration: Double?
    var codec: String?
    var problem: String?
    var sha256: String?

    init(_ clip: ClipRecord) {
        id = clip.id ?? 0
        name = clip.path.split(separator: "/").last.map(String.init) ?? ""
        state = clip.state.rawValue
        kind = clip.kind.rawValue
        eventKind = clip.eventKind.rawValue
        camera = clip.camera
        size = clip.size
        clipTime = clip.clipTime
        recordedAt = clip.recordedAt
        duration = clip.duration
        codec = clip.codec
        problem = clip.problem
        sha256 = clip.sha256
    }
}

struct TelemetryFacts: Encodable {
    var clipID: Int64
    var frames: Int
    var seconds: Double
    var distance: Double
    var movingSeconds: Double
    var maxSpeed: Double
    var meanSpeed: Double
    var autopilotShare: Double
    var absence: String?

    init(clipID: Int64, summary s: TelemetrySummary, absence: String?) {
        self.clipID = clipID
        frames = s.frames
        seconds = s.seconds
        distance = s.distance
        movingSeconds = s.movingSeconds
        maxSpeed = s.maxSpeed
        meanSpeed = s.meanSpeed
        autopilotShare = s.autopilotShare
        self.absence = absence
    }

    init(_ t: TelemetryRecord) {
        clipID = t.clipID
        frames = t.frames
        seconds = t.seconds
        distance = t.distance
        movingSeconds = t.movingSeconds
        maxSpeed = t.maxSpeed
        meanSpeed = t.meanSpeed
        autopilotShare = t.autopilotShare
        absence = t.absence
    }
}
