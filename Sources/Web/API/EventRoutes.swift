import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import MP4
import NIOCore

/// Sentry and Saved events, newest first, and one event's timeline; its download as a zip.
extension WebServer {
    struct EventSummary: Encodable {
        var id: Int64
        var kind: String
        var name: String
        /// event.json's timestamp, as written (the car's local time).
        var timestamp: String?
        var reason: String?
        var reasonText: String
        var city: String?
        var street: String?
        var latitude: Double?
        var longitude: Double?
        var camera: String?
        var thumb: Int64?
        var files: Int
        var bytes: Int64
        var firstClipTime: Int64?
        var lastClipTime: Int64?
    }

    struct EventDetail: Encodable {
        var event: EventSummary
        /// Seconds since 1970 of event.json's timestamp, on the segments' clock; nil without one.
        var trigger: Int64?
        var segments: [Segment]
        var files: [ClipInfo]
    }

    struct Page<Item: Encodable>: Encodable {
        var items: [Item]
        /// Pass as `before` for the next page; nil at the end.
        var next: String?
    }

    func registerEvents(_ add: Add) {
        add(.get, "/api/events", .owner) { [self] request, _ in
            let query = request.uri.queryParameters
            let kinds: [EventKind]
            switch query["kind"].map(String.init) {
            case nil, "", "all": kinds = [.saved, .sentry]
            case "saved": kinds = [.saved]
            case "sentry": kinds = [.sentry]
            case let other?: throw WebError(.badRequest, "kind '\(other.prefix(20))' is not saved, sentry or all")
            }
            let limit = try Self.limit(query["limit"].map(String.init), default: 30, maximum: 200)
            let before = try query["before"].map { text throws(WebError) -> String in
                let value = String(text)
                guard value.utf8.count <= 64, value.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                    throw WebError(.badRequest, "'before' must be a name from the previous page's 'next'")
                }
                return value
            }
            // One day (the folder names are the car's time stamps, `YYYY-MM-DD_HH-MM-SS`): the page starts after
            // the day's last possible name and stops at the first name of an earlier day.
            let day = try query["date"].map { text throws(WebError) -> String in
                let value = String(text), digits = value.utf8.filter { $0 >= 48 && $0 <= 57 }.count
                guard value.utf8.count == 10, digits == 8, Array(value.utf8)[4] == 45, Array(value.utf8)[7] == 45 else {
                    throw WebError(.badRequest, "'date' must be a day as YYYY-MM-DD")
                }
                return value
            }
            let dayEnd = day.map { $0 + "_~" }
            let start = [before, dayEnd].compactMap { $0 }.min()
            var folders = try catalog.eventFolders(kinds: kinds, before: start, limit: limit)
            let full = folders.count == limit
            if let day { folders = folders.filter { Self.folderName($0.event).hasPrefix(day + "_") } }
            let sidecars = try catalog.eventSidecars(folders.map(\.event))
            let items = try folders.map { try summary($0, rows: sidecars[$0.event] ?? []) }
            let next = full && folders.count == limit ? folders.last.map { Self.folderName($0.event) } : nil
            return try Reply.json(Page(items: items, next: next))
        }
        add(.get, "/api/events/:id", .owner) { [self] _, context in
            let (folder, rows) = try event(context)
            let summary = try summary(folder, rows: rows)
            let trigger = summary.timestamp.flatMap { TeslaTimestamp(iso8601: $0)?.secondsSince1970 }
            return try Reply.json(EventDetail(event: summary, trigger: trigger, segments: Segment.segments(rows),
                                              files: rows.map(ClipInfo.init)))
        }
        add(.get, "/api/events/:id/zip", .owner) { [self] _, context in
            let (folder, rows) = try event(context)
            return try zip(name: Self.folderName(folder.event), rows: rows.filter { $0.state != .growing })
        }
    }

    /// The event folder one of whose rows has the route's id.
    func event(_ context: WebContext) throws -> (ClipCatalog.EventFolder, [ClipRecord]) {
        let clip = try clip(context)
        guard let event = clip.event else { throw WebError(.notFound, "clip \(clip.id!) is not part of an event") }
        let rows = try catalog.rows(ofEvent: event)
        let folder = ClipCatalog.EventFolder(
            event: event, kind: clip.eventKind, id: rows.compactMap(\.id).min() ?? clip.id!, files: rows.count,
            bytes: rows.reduce(0) { $0 + $1.size }, firstClipTime: rows.compactMap(\.clipTime).min(),
            lastClipTime: rows.compactMap(\.clipTime).max())
        return (folder, rows)
    }

    /// `rows`: the event's rows, or only its event.json and thumb.png (all the summary reads).
    func summary(_ folder: ClipCatalog.EventFolder, rows: [ClipRecord]) throws -> EventSummary {
        let json = rows.first { $0.path.hasSuffix("/event.json") }
        let thumb = rows.first { $0.path.hasSuffix("/thumb.png") }
        let event = json.flatMap(readEvent)
        return EventSummary(id: folder.id, kind: folder.kind.rawValue, name: Self.folderName(folder.event),
                            timestamp: event?.timestamp, reason: event?.reason, reasonText: EventReason.words(event?.reason),
                            city: event?.city.flatMap { $0.isEmpty ? nil : $0 },
                            street: event?.street.flatMap { $0.isEmpty ? nil : $0 },
                            latitude: event?.latitude, longitude: event?.longitude, camera: event?.camera, thumb: thumb?.id,
                            files: folder.files, bytes: folder.bytes, firstClipTime: folder.firstClipTime,
                            lastClipTime: folder.lastClipTime)
    }

    /// event.json through the clip store (a few hundred bytes; a larger file is not the car's).
    func readEvent(_ row: ClipRecord) -> TeslaEvent? {
        guard let reader = try? clips.open(row), reader.length <= 64 << 10,
              let bytes = try? reader.read(at: 0, count: Int(reader.length)) else { return nil }
        return TeslaEvent(json: bytes)
    }

    static func folderName(_ event: String) -> String {
        event.split(separator: "/").last.map(String.init) ?? event
    }

    static func limit(_ text: String?, default value: Int, maximum: Int) throws(WebError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), n >= 1, n <= maximum else {
            throw WebError(.badRequest, "limit must be a whole number from 1 to \(maximum)")
        }
        return n
    }
}
