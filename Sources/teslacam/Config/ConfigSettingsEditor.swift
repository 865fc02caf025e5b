import CLinux
import ConfigJSON
import FileIO
import Foundation
import Glibc
import Synchronization
import Web

/// The web UI's Settings page over the daemon's config file: reads the file afresh at each look (an owner may edit
/// it over ssh too), writes a change only after the whole edited file passes `Configuration.parse`, as at load,
/// and replaces it atomically (temporary file, fsync, rename, directory fsync), so a power cut leaves the old file
/// or the new one: never a torn config the next start would refuse, with the car's drive gone.
///
/// Retention changes apply at once (`LivePolicy`); the rest when the daemon reloads (`reload`: SIGHUP to itself,
/// an exec that keeps the FUSE connection, so the car keeps its drive).
final class ConfigSettingsEditor: SettingsEditor {
    let path: String
    let live: LivePolicy
    /// The editable keys' values as this process loaded them: a key whose file value differs waits for a reload.
    let loaded: [String: String?]
    let canReload: Bool
    private let fileSystem: any FileSystem
    /// One change at a time: read, edit, check and replace are one step.
    private let writing = Mutex(())
    private let requestReload: @Sendable () -> Void

    init(path: String, loaded document: [String: JSONValue], live: LivePolicy, fileSystem: any FileSystem = SystemFileSystem(),
         requestReload: (@Sendable () -> Void)?) {
        self.path = path
        self.live = live
        self.loaded = EditableSettings.values(of: document)
        self.fileSystem = fileSystem
        self.canReload = requestReload != nil
        self.requestReload = requestReload ?? {}
    }

    /// The raw document of the config file at `path`, for `loaded`.
    static func document(at path: String, fileSystem: any FileSystem = SystemFileSystem()) throws -> [String: JSONValue] {
        let bytes = try fileSystem.contents(of: path)
        guard case let .object(object) = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw ConfigurationError.notJSON(reason: "the file must hold one JSON object { ... }")
        }
        return object
    }

    func document() -> SettingsDocument {
        switch read() {
        case let .success(object): return document(of: object, problem: writeProblem())
        case let .failure(error):
            return document(of: [:], problem: "\(error.message); the page shows the defaults and cannot save")
        }
    }

    func change(_ values: [String: String?]) throws(WebError) -> SettingsChange {
        try writing.withLock { (_: inout ()) throws(WebError) -> SettingsChange in
            if let problem = writeProblem() { throw WebError(.conflict, problem) }
            let object = try read().get()
            let edited: (document: [String: JSONValue], changed: [String])
            do throws(EditableSettings.Refusal) { edited = try EditableSettings.edit(object, values) } catch {
                throw WebError(.badRequest, error.description)
            }
            guard !edited.changed.isEmpty else {
                return SettingsChange(changed: [], appliedNow: [], atReload: [], document: document(of: object, problem: nil))
            }
            let bytes = try Self.encode(edited.document)
            let configuration: Configuration
            do { configuration = try Configuration.parse(Data(bytes)) } catch {
                throw WebError(.badRequest, "\(error)")
            }
            do { try fileSystem.writeAtomically(bytes, to: path) } catch {
                throw WebError(.internalServerError, "cannot write \(path): \(error); the file is unchanged")
            }
            let live = edited.changed.filter { name in EditableSettings.keys.first { $0.name == name }?.live == true }
            if !live.isEmpty { self.live.replace(with: configuration.retentionPolicy) }
            return SettingsChange(changed: edited.changed, appliedNow: live,
                                  atReload: edited.changed.filter { !live.contains($0) },
                                  document: document(of: edited.document, problem: nil))
        }
    }

    func reload() throws(WebError) {
        guard canReload else { throw WebError(.conflict, "this daemon cannot reload itself; restart it (systemctl restart teslacam)") }
        // A reload execs the daemon, which reads the file again: one it would refuse would stop it, and the car
        // would lose its drive. Refuse here instead, in the same words as the start would.
        do { _ = try Configuration.load(from: path) } catch {
            throw WebError(.conflict, "not reloading: \(error); fix the file first")
        }
        requestReload()
    }

    private func read() -> Result<[String: JSONValue], WebError> {
        do { return .success(try Self.document(at: path, fileSystem: fileSystem)) } catch {
            return .failure(WebError(.conflict, "cannot read the config file \(path): \(error)"))
        }
    }

    /// Why a change cannot be saved, in words; nil when it can.
    private func writeProblem() -> String? {
        let directory = parentDirectory(of: path)
        guard access(directory, W_OK) == 0 else {
            let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
            return "the daemon (user \(user)) cannot write in \(directory), so settings cannot be saved from here: "
                + "make the folder writable for it (install.sh does: chgrp teslacam \(directory); chmod 0775 \(directory)) "
                + "or edit \(path) over ssh"
        }
        // A read-only root (install.sh --read-only-root) runs / as an overlay in RAM: a file written there would
        // be gone at the next boot, and the owner would find the old settings back without a word.
        if Self.inMemory.contains(UInt64(clinux_file_system_type(directory))) {
            return "\(directory) lies on a file system in RAM (a read-only root), so a change saved here would be "
                + "lost at the next boot: edit \(path) in the real root instead (sudo overlayroot-chroot)"
        }
        return nil
    }

    /// statfs f_type of overlayfs and tmpfs (linux/magic.h).
    static let inMemory: Set<UInt64> = [0x794C_7630, 0x0102_1994]

    private func document(of object: [String: JSONValue], problem: String?) -> SettingsDocument {
        let values = EditableSettings.values(of: object)
        let settings = EditableSettings.keys.map { key in
            EditableSetting(key: key.name, label: key.label, help: key.help, kind: key.kind, value: values[key.name] ?? nil,
                            defaultValue: key.defaultValue, choices: key.choices, live: key.live)
        }
        let pending = EditableSettings.keys.filter { key in
            !key.live && (values[key.name] ?? nil) != (loaded[key.name] ?? nil)
        }.map(\.name)
        return SettingsDocument(file: path, writable: problem == nil, problem: problem, canReload: canReload,
                                pendingReload: pending, settings: settings)
    }

    static func encode(_ document: [String: JSONValue]) throws(WebError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(JSONValue.object(document))) + [0x0A] } catch {
            throw WebError(.internalServerError, "cannot write the settings as JSON: \(error)")
        }
    }
}
