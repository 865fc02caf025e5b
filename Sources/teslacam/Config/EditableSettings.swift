import ConfigJSON
import Foundation
import Logging
import Outbound
import Retention
import Volume
import Web

/// The config keys the web UI's Settings page may change, and how a change edits the file's document.
///
/// Only these: paths (state, archive, mountpoint), the volume's size and the sinks' credentials stay with the
/// owner's editor over ssh, where a mistake cannot take the car's drive away from a phone. An edit changes the raw
/// JSON document at its key and nothing else, so every other key (and unknown future ones) survives as written.
enum EditableSettings {
    struct Key: Sendable {
        var path: [String]
        var label: String
        var help: String
        var kind: EditableSetting.Kind
        var defaultValue: String
        var choices: [String]? = nil
        /// Applied to the running daemon at once (retention); the rest at the next reload.
        var live: Bool

        var name: String { path.joined(separator: ".") }
    }

    static let keys: [Key] = {
        let standard = RetentionPolicy.standard
        return [
            Key(path: ["retention", "recentDays"], label: "Keep RecentClips (days)",
                help: "How long a clip of the car's loop recording stays after the car deleted it.",
                kind: .days, defaultValue: Self.text(standard.recentDays), live: true),
            Key(path: ["retention", "eventDays"], label: "Keep Saved and Sentry events (days)",
                help: "How long an event's clips stay after the car deleted them.",
                kind: .days, defaultValue: Self.text(standard.eventDays), live: true),
            Key(path: ["retention", "minFree"], label: "Always free on the card",
                help: "Below this the oldest clips go first, uploaded ones before the rest (e.g. 2G).",
                kind: .size, defaultValue: ByteSize(bytes: standard.minFreeBytes).description, live: true),
            Key(path: ["retention", "reserve"], label: "Reserve",
                help: "auto: room for everything the car can still write, plus the free space above; or a size.",
                kind: .size, defaultValue: "auto", live: true),
            Key(path: ["upload", "bandwidth"], label: "Upload limit (per second)",
                help: "Over every sink together, e.g. 4M; empty: no limit.",
                kind: .rate, defaultValue: "no limit", live: false),
            Key(path: ["upload", "whileRecording"], label: "Uploads while the car records",
                help: "throttle: a fraction of the limit; pause: none; full: as fast as allowed.",
                kind: .choice, defaultValue: WhileRecording.throttle.rawValue,
                choices: WhileRecording.allCases.map(\.rawValue), live: false),
            Key(path: ["web", "metrics"], label: "/metrics",
                help: "open: a Prometheus on the LAN may read it without logging in; login: only the owner.",
                kind: .choice, defaultValue: WebConfig.MetricsAccess.open.rawValue,
                choices: WebConfig.MetricsAccess.allCases.map(\.rawValue), live: false),
            Key(path: ["logLevel"], label: "Log level",
                help: "How much the daemon writes to its journal (journalctl -u teslacam).",
                kind: .choice, defaultValue: Logger.Level.info.rawValue,
                choices: Logger.Level.allCases.map(\.rawValue), live: false),
        ]
    }()

    /// Why an edit was refused, in words naming the key.
    struct Refusal: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Each key's value as the document has it (nil: absent).
    static func values(of document: [String: JSONValue]) -> [String: String?] {
        Dictionary(uniqueKeysWithValues: keys.map { key in (key.name, value(at: key.path, in: document).map(text)) })
    }

    /// The document with `changes` written in (nil or "": the key removed, so its default applies), and the keys
    /// whose value changed. Not yet validated: `Configuration.parse` of the result does that, as at load.
    static func edit(_ document: [String: JSONValue], _ changes: [String: String?]) throws(Refusal)
        -> (document: [String: JSONValue], changed: [String]) {
        var document = document
        var changed: [String] = []
        for name in changes.keys.sorted() {
            guard let key = keys.first(where: { $0.name == name }) else {
                throw Refusal(description: "\(name.prefix(60)): not a setting the web UI changes (it changes "
                              + keys.map(\.name).joined(separator: ", ") + "); edit the file for the rest")
            }
            let text = ((changes[name] ?? nil) ?? "").trimmingCharacters(in: .whitespaces)
            guard text.utf8.count <= 100 else { throw Refusal(description: "\(name): the value is longer than 100 characters") }
            let new: JSONValue? = text.isEmpty ? nil : json(text, kind: key.kind)
            let old = value(at: key.path, in: document)
            guard old.map(Self.text) != new.map(Self.text) else { continue }
            document = try set(new, at: key.path, in: document, name: name)
            changed.append(name)
        }
        return (document, changed)
    }

    /// The text as the file should hold it: days as numbers (a string that is no number is kept, and refused by
    /// the validation with the key's own message), the rest as strings.
    static func json(_ text: String, kind: EditableSetting.Kind) -> JSONValue {
        guard kind == .days, let number = Double(text), number.isFinite else { return .string(text) }
        if number == number.rounded(), abs(number) < 1e15 { return .integer(Int64(number)) }
        return .number(number)
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): text
        case let .integer(number): "\(number)"
        case let .number(number): text(number)
        case let .bool(flag): "\(flag)"
        case .null, .array, .object: value.summary
        }
    }

    static func text(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? "\(Int64(number))" : "\(number)"
    }

    static func value(at path: [String], in document: [String: JSONValue]) -> JSONValue? {
        guard let first = path.first, let value = document[first], value != .null else { return nil }
        if path.count == 1 { return value }
        guard case let .object(inner) = value else { return nil }
        return Self.value(at: Array(path.dropFirst()), in: inner)
    }

    /// Sets (or, with nil, removes) the value at `path`, creating the section it lies in; an emptied retention or
    /// upload section goes too (an emptied `web` stays: its presence turns the web UI on).
    static func set(_ value: JSONValue?, at path: [String], in document: [String: JSONValue], name: String) throws(Refusal)
        -> [String: JSONValue] {
        var document = document
        let first = path[0]
        if path.count == 1 {
            document[first] = value
            return document
        }
        var inner: [String: JSONValue]
        switch document[first] {
        case nil, .null?: inner = [:]
        case let .object(object)?: inner = object
        case let other?:
            throw Refusal(description: "\(first): the file holds \(other.summary) here, not an object { ... }; fix the file first")
        }
        inner = try set(value, at: Array(path.dropFirst()), in: inner, name: name)
        document[first] = inner.isEmpty && first != "web" ? nil : .object(inner)
        return document
    }
}
