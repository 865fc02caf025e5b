/// The settings an owner may change from the phone, and the door to the daemon's config file.
///
/// The web module knows no config format: the daemon implements `SettingsEditor` over its JSON file (validated as
/// at load, written atomically) and says which changes took effect at once and which wait for a reload.
public protocol SettingsEditor: Sendable {
    /// The editable settings as the file has them now.
    func document() -> SettingsDocument
    /// Writes `values` (key → text; nil or "" returns the key to its default) into the file. Throws a `WebError`
    /// whose message names the key and what is wrong, or why the file cannot be written; the file is then untouched.
    func change(_ values: [String: String?]) throws(WebError) -> SettingsChange
    /// Starts a reload of the daemon (the car keeps its drive); throws when this daemon cannot reload itself.
    func reload() throws(WebError)
}

/// One setting of the Settings page.
public struct EditableSetting: Codable, Sendable, Equatable {
    /// How the value is written: `days` a number, `size` like 2G, `rate` bytes per second like 4M, `choice` one of
    /// `choices`.
    public enum Kind: String, Codable, Sendable { case days, size, rate, choice }

    /// The key's path in the file, `retention.recentDays`.
    public var key: String
    public var label: String
    public var help: String
    public var kind: Kind
    /// As the file has it; nil: absent, so `defaultValue` applies.
    public var value: String?
    public var defaultValue: String
    public var choices: [String]?
    /// True: a change applies at once; false: at the daemon's next reload.
    public var live: Bool

    public init(key: String, label: String, help: String, kind: Kind, value: String?, defaultValue: String,
                choices: [String]? = nil, live: Bool) {
        self.key = key
        self.label = label
        self.help = help
        self.kind = kind
        self.value = value
        self.defaultValue = defaultValue
        self.choices = choices
        self.live = live
    }
}

/// What `GET /api/settings` answers.
public struct SettingsDocument: Codable, Sendable, Equatable {
    /// The config file's path; nil when the daemon was started without `--config`.
    public var file: String?
    /// False: the page shows the values but cannot save them; `problem` says why, in words.
    public var writable: Bool
    public var problem: String?
    /// Whether `POST /api/reload` can restart the daemon in place.
    public var canReload: Bool
    /// Keys whose value in the file differs from what the running daemon uses: they wait for a reload.
    public var pendingReload: [String]
    public var settings: [EditableSetting]

    public init(file: String?, writable: Bool, problem: String?, canReload: Bool, pendingReload: [String],
                settings: [EditableSetting]) {
        self.file = file
        self.writable = writable
        self.problem = problem
        self.canReload = canReload
        self.pendingReload = pendingReload
        self.settings = settings
    }
}

/// What a saved change did.
public struct SettingsChange: Codable, Sendable, Equatable {
    /// Keys whose value in the file changed.
    public var changed: [String]
    /// Of those, the ones the running daemon uses already.
    public var appliedNow: [String]
    /// Of those, the ones that wait for a reload.
    public var atReload: [String]
    public var document: SettingsDocument

    public init(changed: [String], appliedNow: [String], atReload: [String], document: SettingsDocument) {
        self.changed = changed
        self.appliedNow = appliedNow
        self.atReload = atReload
        self.document = document
    }
}
