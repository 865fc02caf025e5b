import Catalog
import ConfigJSON
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Retention
import Synchronization
import Testing
import Web
@testable import teslacam

/// The Settings page's edits of the config file: validated as at load, written atomically with every other key
/// kept, retention applied at once, the rest waiting for a reload; and the routes in front of them.
@Suite struct SettingsEditorTests {
    static let original = """
    {
      "state": "/var/lib/teslacam/state",
      "archive": "/var/lib/teslacam/archive",
      "logLevel": "info",
      "retention": { "recentDays": 2, "eventDays": 30, "reserve": "auto", "minFree": "2G" },
      "sinks": { "nas": { "type": "folder", "path": "/mnt/nas/TeslaCam", "prefix": "model3/" } },
      "routes": { "saved": ["nas"] },
      "web": { "listen": "127.0.0.1:3000" }
    }
    """

    /// A config file in a fresh directory, and an editor over it.
    final class Rig: Sendable {
        let directory: String
        let path: String
        let live = LivePolicy(.standard)
        let reloads = Mutex(0)

        init(_ text: String = SettingsEditorTests.original) throws {
            directory = NSTemporaryDirectory() + "teslacam-settings-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/config.json"
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }

        func editor(canReload: Bool = true) throws -> ConfigSettingsEditor {
            let count: @Sendable () -> Void = { [self] in self.reloads.withLock { $0 += 1 } }
            return ConfigSettingsEditor(path: path, loaded: try ConfigSettingsEditor.document(at: path), live: live,
                                        requestReload: canReload ? count : nil)
        }

        var file: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var configuration: Configuration { get throws { try Configuration.load(from: path) } }
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func aRetentionChangeIsWrittenKeepingEveryOtherKeyAndAppliesAtOnce() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let before = try rig.configuration
        let change = try rig.editor().change(["retention.recentDays": "5", "retention.minFree": "4G"])
        #expect(change.changed == ["retention.minFree", "retention.recentDays"])
        #expect(change.appliedNow == change.changed && change.atReload.isEmpty)
        let after = try rig.configuration
        #expect(after.retention?.recentDays == 5 && after.retention?.minFree?.bytes == 4 << 30)
        // Everything else as it was: the paths, the sinks and routes, the other retention keys, the web section.
        #expect(after.state == before.state && after.archive == before.archive && after.sinks == before.sinks
                && after.routes == before.routes && after.web == before.web && after.logLevel == before.logLevel)
        #expect(after.retention?.eventDays == 30 && after.retention?.reserve == .auto)
        // In force without a restart, and no temporary file left beside the config.
        #expect(rig.live.current.recentDays == 5 && rig.live.current.minFreeBytes == 4 << 30)
        #expect(try FileManager.default.contentsOfDirectory(atPath: rig.directory) == ["config.json"])
        // Fractions stay numbers; a day count written as text would not load.
        _ = try rig.editor().change(["retention.eventDays": "7.5"])
        #expect(rig.file.contains("\"eventDays\" : 7.5"))
        #expect(try rig.configuration.retention?.eventDays == 7.5)
    }

    @Test func aBadValueIsRefusedInWordsAndTheFileIsUntouched() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let editor = try rig.editor()
        func refusal(_ values: [String: String?]) -> String {
            do { _ = try editor.change(values); return "accepted" } catch { return error.message }
        }
        #expect(refusal(["retention.recentDays": "two"]) == "retention.recentDays: \"two\" is not a number of days")
        #expect(refusal(["retention.recentDays": "-1"]).hasPrefix("retention.recentDays: -1 is not a number of days, 0 or more"))
        #expect(refusal(["retention.minFree": "lots"]).hasPrefix("retention.minFree: \"lots\" is not a size"))
        #expect(refusal(["upload.bandwidth": "fast"]).hasPrefix("upload.bandwidth: \"fast\" is not a rate"))
        #expect(refusal(["web.metrics": "closed"]) == "web.metrics: \"closed\" is not one of open, login")
        #expect(refusal(["logLevel": "loud"]).hasPrefix("logLevel: \"loud\" is not one of trace, debug"))
        // Keys beyond the page's are refused: paths and credentials stay with the owner's editor.
        #expect(refusal(["state": "/tmp/elsewhere"]).hasPrefix("state: not a setting the web UI changes"))
        #expect(refusal(["sinks.nas.path": "/"]).hasPrefix("sinks.nas.path: not a setting the web UI changes"))
        #expect(refusal(["retention.recentDays": String(repeating: "9", count: 101)]).contains("longer than 100"))
        // One bad value refuses the whole change.
        #expect(refusal(["retention.eventDays": "10", "retention.recentDays": "x"]).hasPrefix("retention.recentDays:"))
        #expect(rig.file == SettingsEditorTests.original)
        #expect(rig.live.current == .standard)
    }

    @Test func theRestWaitsForAReloadAndDefaultsRemoveTheKey() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let editor = try rig.editor()
        let change = try editor.change(["upload.bandwidth": "4M", "upload.whileRecording": "pause", "web.metrics": "login",
                                        "logLevel": nil, "retention.reserve": "auto"])
        // reserve was already auto: not a change. logLevel back to its default: the key leaves the file.
        #expect(change.changed == ["logLevel", "upload.bandwidth", "upload.whileRecording", "web.metrics"])
        #expect(change.appliedNow.isEmpty && change.atReload == change.changed)
        #expect(change.document.pendingReload == ["upload.bandwidth", "upload.whileRecording", "web.metrics", "logLevel"])
        let after = try rig.configuration
        #expect(after.logLevel == nil && !rig.file.contains("logLevel"))
        #expect(after.upload?.bandwidth?.bytes == 4 << 20 && after.upload?.whileRecording == .pause)
        #expect(after.web?.metrics == .login && after.web?.listen == "127.0.0.1:3000")
        #expect(rig.live.current == .standard, "nothing of retention changed")
        // Back to what the daemon loaded: nothing waits any more; an emptied upload section goes, web stays.
        let back = try editor.change(["upload.bandwidth": "", "upload.whileRecording": nil, "web.metrics": nil, "logLevel": "info"])
        #expect(back.document.pendingReload.isEmpty)
        #expect(!rig.file.contains("upload") && rig.file.contains("\"web\""))
        // The document shows what the file has, and the defaults beside.
        let shown = editor.document()
        #expect(shown.writable && shown.problem == nil && shown.canReload && shown.file == rig.path)
        let recent = try #require(shown.settings.first { $0.key == "retention.recentDays" })
        #expect(recent.value == "2" && recent.defaultValue == "2" && recent.live && recent.kind == .days)
        let metrics = try #require(shown.settings.first { $0.key == "web.metrics" })
        #expect(metrics.value == nil && metrics.choices == ["open", "login"] && !metrics.live)
    }

    @Test func aReloadIsRefusedWhileTheFileWouldStopTheDaemon() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let editor = try rig.editor()
        try editor.reload()
        #expect(rig.reloads.withLock { $0 } == 1)
        // Broken over ssh: the reload's exec would refuse it and the car would lose its drive.
        try #"{ "retention": { "recentDays": "two" } }"#.write(toFile: rig.path, atomically: false, encoding: .utf8)
        #expect(throws: WebError.self) { try editor.reload() }
        do { try editor.reload() } catch { #expect(error.message.contains("retention.recentDays") && error.status == .conflict) }
        #expect(rig.reloads.withLock { $0 } == 1)
        // A file that is no JSON: the page shows why, and saving is refused with the same words.
        try "{ not json".write(toFile: rig.path, atomically: false, encoding: .utf8)
        #expect(editor.document().problem?.contains("cannot read the config file") == true)
        #expect(throws: WebError.self) { _ = try editor.change(["retention.recentDays": "3"]) }
        #expect(rig.file == "{ not json")
        // A daemon that cannot exec itself says so.
        try SettingsEditorTests.original.write(toFile: rig.path, atomically: false, encoding: .utf8)
        let fixed = try rig.editor(canReload: false)
        do { try fixed.reload(); Issue.record("reloaded") } catch { #expect(error.status == .conflict) }
    }

    @Test func theRoutesNeedTheOwnerAndCSRFAndTheNowPageFollows() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        var logger = Logger(label: "settings-test")
        logger.logLevel = .critical
        let catalog = try ClipCatalog(path: rig.directory + "/catalog.sqlite", archiveRoot: rig.directory, logger: logger)
        try WebOwner.setPassword(state: rig.directory)
        let live = rig.live
        let server = WebServer(settings: WebSettings(host: "127.0.0.1", port: 0), state: rig.directory, catalog: catalog,
                               clips: ArchiveClipStore(root: rig.directory), retention: {
            NowFigures.Retention(recentDays: live.current.recentDays, eventDays: live.current.eventDays,
                                 minFreeBytes: live.current.minFreeBytes)
        }, settingsEditor: try rig.editor(), logger: logger)
        try await server.application().test(.router) { client in
            #expect(try await client.execute(uri: "/api/settings", method: .get).status == .unauthorized)
            let owner = try await WebOwner.login(client)
            let reading = owner.reading
            var unsigned = owner.reading
            unsigned[.contentType] = "application/json"
            let get = try await client.execute(uri: "/api/settings", method: .get, headers: reading)
            #expect(get.status == .ok)
            let shown = try JSONDecoder().decode(SettingsDocument.self, from: Data(buffer: get.body))
            #expect(shown.settings.count == EditableSettings.keys.count && shown.writable)
            let body = ByteBuffer(string: #"{"values": {"retention.recentDays": "9"}}"#)
            #expect(try await client.execute(uri: "/api/settings", method: .put, headers: unsigned, body: body).status == .forbidden,
                    "no CSRF token")
            let changing = owner.changing
            let bad = try await client.execute(uri: "/api/settings", method: .put, headers: changing,
                                               body: ByteBuffer(string: #"{"values": {"retention.recentDays": "nine"}}"#))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("retention.recentDays"))
            let malformed = try await client.execute(uri: "/api/settings", method: .put, headers: changing,
                                                     body: ByteBuffer(string: #"{"values": {"retention.recentDays": 9}}"#))
            #expect(malformed.status == .badRequest)
            let put = try await client.execute(uri: "/api/settings", method: .put, headers: changing, body: body)
            #expect(put.status == .ok)
            let change = try JSONDecoder().decode(SettingsChange.self, from: Data(buffer: put.body))
            #expect(change.appliedNow == ["retention.recentDays"])
            // The Now page shows the new policy at its next look.
            let now = try await client.execute(uri: "/api/now", method: .get, headers: reading)
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(buffer: now.body)) as? [String: Any])
            #expect((figures["retention"] as? [String: Any])?["recentDays"] as? Double == 9)
            #expect(try await client.execute(uri: "/api/reload", method: .post, headers: reading).status == .forbidden)
            #expect(try await client.execute(uri: "/api/reload", method: .post, headers: changing).status == .accepted)
        }
        #expect(rig.reloads.withLock { $0 } == 1)
        #expect(try rig.configuration.retention?.recentDays == 9)
    }
}
