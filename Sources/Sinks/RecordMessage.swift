import Foundation
import MP4
import Outbound

/// A record as a JSON object, for webhooks and the logger: what it is and where it lives; for an event's
/// event.json, what the car said happened (reason, city, street, coordinates, time).
enum RecordMessage {
    static func fields(_ record: OutgoingRecord, sink: String) -> [String: Any] {
        var fields: [String: Any] = ["kind": record.kind.rawValue, "sink": sink]
        switch record.content {
        case let .message(text):
            if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
                fields.merge(object) { mine, _ in mine }
            }
        case let .file(archivePath, source, remoteName, sha256, size):
            fields["path"] = archivePath
            fields["remote"] = remoteName
            fields["sha256"] = sha256
            fields["size"] = size
            if let file = FileRecord(archivePath: archivePath) {
                if let event = file.event { fields["event"] = event }
                if file.role == .eventDescription, size < 64 << 10,
                   let bytes = FileManager.default.contents(atPath: source), let event = TeslaEvent(json: [UInt8](bytes)) {
                    var described: [String: Any] = [:]
                    for (key, value) in event.fields { described[key] = value }
                    if let latitude = event.latitude { described["latitude"] = latitude }
                    if let longitude = event.longitude { described["longitude"] = longitude }
                    fields["eventJSON"] = described
                    fields["title"] = title(record.kind, event)
                }
            }
        }
        return fields
    }

    /// "Sentry event in Berlin, Unter den Linden: sentry_aware_object_detection".
    static func title(_ kind: RecordKind, _ event: TeslaEvent) -> String {
        let place = [event.city, event.street].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        let name = kind == .sentry ? "Sentry event" : "Saved clip"
        return name + (place.isEmpty ? "" : " in \(place)") + (event.reason.map { ": \($0)" } ?? "")
    }

    static func json(_ fields: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return [UInt8](data)
    }
}
