import ConfigJSON
import Volume

/// Reads one JSON object of the config file strictly: every key must be read by its section, every value must
/// have the expected type and parse, and each error names the key's full path (`retention.minFree`).
///
/// A section is a type conforming to `ConfigSection`; nesting one is `reader.section("sinks", as: ...)`, so later
/// sections (sinks, routes, upload, web) are validated the same way.
struct ConfigReader {
    /// Dotted path of this object inside the file; empty at the top.
    let path: String
    private let values: [String: JSONValue]
    private var read: [String] = []

    init(object values: [String: JSONValue], path: String = "") {
        self.values = values
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func value(_ key: String) -> JSONValue? {
        read.append(key)
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    func invalid(_ key: String, _ found: JSONValue, _ expected: String) -> ConfigurationError {
        .invalidValue(key: keyPath(key), found: found.summary, expected: expected)
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw invalid(key, value, "a string") }
        return text
    }

    /// A string that must be one of `choices`.
    mutating func choice<T: RawRepresentable>(_ key: String, of choices: [T]) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let choice = choices.first(where: { $0.rawValue == text }) else {
            throw .invalidValue(key: keyPath(key), found: "\"\(text)\"",
                                expected: "one of " + choices.map(\.rawValue).joined(separator: ", "))
        }
        return choice
    }

    /// A size written like "2G" or "500M", or a plain number of bytes.
    mutating func size(_ key: String) throws(ConfigurationError) -> ByteSize? {
        guard let value = value(key) else { return nil }
        switch value {
        case let .integer(bytes) where bytes >= 0: return ByteSize(bytes: UInt64(bytes))
        case let .string(text):
            guard let size = ByteSize(parsing: text) else {
                throw .invalidValue(key: keyPath(key), found: value.summary, expected: "a size (use e.g. 2G, 500M)")
            }
            return size
        default: throw invalid(key, value, "a size (use e.g. 2G, 500M)")
        }
    }

    enum SizeOrWord: Equatable { case word, size(ByteSize) }

    /// A size, or one word standing for a computed value (`"reserve": "auto"`).
    mutating func sizeOrWord(_ key: String, word: String) throws(ConfigurationError) -> SizeOrWord? {
        guard let value = value(key) else { return nil }
        let expected = "\"\(word)\" or a size (use e.g. 8G, 500M)"
        switch value {
        case .string(word): return .word
        case let .integer(bytes) where bytes >= 0: return .size(ByteSize(bytes: UInt64(bytes)))
        case let .string(text):
            guard let size = ByteSize(parsing: text) else { throw invalid(key, value, expected) }
            return .size(size)
        default: throw invalid(key, value, expected)
        }
    }

    /// A number of at least zero (fractions allowed).
    mutating func nonNegativeNumber(_ key: String, unit: String) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value {
        case let .integer(n): number = Double(n)
        case let .number(n): number = n
        default: throw invalid(key, value, "a number of \(unit)")
        }
        guard number >= 0 else { throw invalid(key, value, "a number of \(unit), 0 or more") }
        return number
    }

    /// A whole number within `range`.
    mutating func integer(_ key: String, in range: ClosedRange<Int64>, unit: String) throws(ConfigurationError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case let .integer(number) = value, range.contains(number) else {
            throw invalid(key, value, "a whole number from \(range.lowerBound) to \(range.upperBound) (\(unit))")
        }
        return number
    }

    /// A rate in bytes per second, written like a size ("2M", "500K", "2M/s").
    mutating func rate(_ key: String) throws(ConfigurationError) -> ByteSize? {
        guard let value = value(key) else { return nil }
        let expected = "a rate in bytes per second (use e.g. 2M, 500K)"
        switch value {
        case let .integer(bytes) where bytes > 0: return ByteSize(bytes: UInt64(bytes))
        case let .string(text):
            let trimmed = text.lowercased().hasSuffix("/s") ? String(text.dropLast(2)) : text
            guard let size = ByteSize(parsing: trimmed), size.bytes > 0 else { throw invalid(key, value, expected) }
            return size
        default: throw invalid(key, value, expected)
        }
    }

    /// A list of strings.
    mutating func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw invalid(key, value, "a list of names [\"...\"]") }
        var result: [String] = []
        for item in items {
            guard case let .string(text) = item else { throw invalid(key, item, "a name (a string) in the list") }
            result.append(text)
        }
        return result
    }

    /// A value that must be there: `why` says what it is for.
    mutating func required<T>(_ key: String, _ why: String,
                              _ read: (inout ConfigReader, String) throws(ConfigurationError) -> T?) throws(ConfigurationError) -> T {
        guard let value = try read(&self, key) else { throw .missingKey(key: keyPath(key), why: why) }
        return value
    }

    /// An object whose keys are names the owner chooses (`sinks`), each value read by `Section`, in name order.
    mutating func named<Section: ConfigSection>(_ key: String, as _: Section.Type) throws(ConfigurationError) -> [(String, Section)]? {
        guard let value = value(key) else { return nil }
        guard case let .object(object) = value else { throw invalid(key, value, "an object { \"name\": { ... } }") }
        var result: [(String, Section)] = []
        for name in object.keys.sorted() {
            let entry = object[name]!
            guard case let .object(fields) = entry else {
                throw .invalidValue(key: keyPath(key) + "." + name, found: entry.summary, expected: "an object { ... }")
            }
            var reader = ConfigReader(object: fields, path: keyPath(key) + "." + name)
            let section = try Section(reading: &reader)
            try reader.rejectUnknownKeys()
            result.append((name, section))
        }
        return result
    }

    /// A nested object read by its own section type.
    mutating func section<Section: ConfigSection>(_ key: String, as _: Section.Type) throws(ConfigurationError) -> Section? {
        guard let value = value(key) else { return nil }
        guard case let .object(object) = value else { throw invalid(key, value, "an object { ... }") }
        var reader = ConfigReader(object: object, path: keyPath(key))
        let section = try Section(reading: &reader)
        try reader.rejectUnknownKeys()
        return section
    }

    /// Called once a section has read what it knows: anything left is a typo or a stale key.
    func rejectUnknownKeys() throws(ConfigurationError) {
        let unknown = values.keys.filter { !read.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        throw .unknownKey(key: keyPath(first), known: read)
    }
}

/// A part of the config file: reads its keys from a reader; unknown keys are rejected after it returns.
protocol ConfigSection {
    init(reading reader: inout ConfigReader) throws(ConfigurationError)
}
