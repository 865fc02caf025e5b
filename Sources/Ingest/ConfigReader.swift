import ConfigJSON
import Foundation

/// Reads one JSON object of the ingest config strictly: every key must be read by its section, every value must
/// have the expected type and parse, and each error names the key's full path. After the board's `ConfigReader`.
public struct ConfigReader {
    /// Dotted path of this object inside the file; empty at the top.
    public let path: String
    private let values: [String: JSONValue]
    private var read: [String] = []

    public init(object values: [String: JSONValue], path: String = "") {
        self.values = values
        self.path = path
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func value(_ key: String) -> JSONValue? {
        read.append(key)
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    func invalid(_ key: String, _ found: JSONValue, _ expected: String) -> IngestConfigError {
        .invalidValue(key: keyPath(key), found: found.summary, expected: expected)
    }

    public mutating func string(_ key: String) throws(IngestConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value, !text.isEmpty else { throw invalid(key, value, "a non-empty string") }
        return text
    }

    /// A string that may be empty (a key prefix).
    public mutating func text(_ key: String) throws(IngestConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw invalid(key, value, "a string") }
        return text
    }

    public mutating func bool(_ key: String) throws(IngestConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case let .bool(flag) = value else { throw invalid(key, value, "true or false") }
        return flag
    }

    /// A whole number within `range`.
    public mutating func integer(_ key: String, in range: ClosedRange<Int64>, unit: String) throws(IngestConfigError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case let .integer(number) = value, range.contains(number) else {
            throw invalid(key, value, "a whole number from \(range.lowerBound) to \(range.upperBound) (\(unit))")
        }
        return number
    }

    /// A size like "5M", "2G", or a plain number of bytes; `perSecond` also takes a trailing "/s".
    public mutating func size(_ key: String, perSecond: Bool = false) throws(IngestConfigError) -> Int64? {
        guard let value = value(key) else { return nil }
        let expected = perSecond ? "a rate in bytes per second (use e.g. 20M, 500K)" : "a size (use e.g. 5M, 2G)"
        switch value {
        case let .integer(bytes) where bytes > 0: return bytes
        case let .string(text):
            let trimmed = perSecond && text.lowercased().hasSuffix("/s") ? String(text.dropLast(2)) : text
            guard let bytes = ByteCount.parse(trimmed), bytes > 0 else { throw invalid(key, value, expected) }
            return bytes
        default: throw invalid(key, value, expected)
        }
    }

    /// A list of non-empty strings.
    public mutating func strings(_ key: String) throws(IngestConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw invalid(key, value, "a list of names [\"...\"]") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case let .string(text) = item, !text.isEmpty else {
                throw .invalidValue(key: "\(keyPath(key))[\(index)]", found: item.summary, expected: "a name (a string)")
            }
            result.append(text)
        }
        return result
    }

    /// A value that must be there: `why` says what it is for.
    public mutating func required<T>(_ key: String, _ why: String,
                                     _ read: (inout ConfigReader, String) throws(IngestConfigError) -> T?) throws(IngestConfigError) -> T {
        guard let value = try read(&self, key) else { throw .missingKey(key: keyPath(key), why: why) }
        return value
    }

    /// A nested object, read by `body` and then checked for unknown keys.
    public mutating func object<T>(_ key: String,
                                   _ body: (inout ConfigReader) throws(IngestConfigError) -> T) throws(IngestConfigError) -> T? {
        guard let value = value(key) else { return nil }
        guard case let .object(object) = value else { throw invalid(key, value, "an object { ... }") }
        var reader = ConfigReader(object: object, path: keyPath(key))
        let result = try body(&reader)
        try reader.rejectUnknownKeys()
        return result
    }

    /// An object whose keys are names the operator chooses (`dispatchers`), each read by `body`, in name order.
    public mutating func named<T>(_ key: String,
                                  _ body: (String, JSONValue, String) throws(IngestConfigError) -> T) throws(IngestConfigError) -> [(String, T)]? {
        guard let value = value(key) else { return nil }
        guard case let .object(object) = value else { throw invalid(key, value, "an object { \"name\": ... }") }
        var result: [(String, T)] = []
        for name in object.keys.sorted() { result.append((name, try body(name, object[name]!, keyPath(key) + "." + name))) }
        return result
    }

    /// Called once a section has read what it knows: anything left is a typo or a stale key.
    public func rejectUnknownKeys() throws(IngestConfigError) {
        let unknown = values.keys.filter { !read.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        throw .unknownKey(key: keyPath(first), known: read)
    }
}

/// Byte counts as people write them: "5M" (MiB), "2G", "500K", "1.5G", "1024".
public enum ByteCount {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var digits = trimmed
        var multiplier = 1.0
        if let unit = units[last] { multiplier = unit; digits.removeLast() }
        else if last == "B", trimmed.count >= 2, let unit = units[trimmed[trimmed.index(trimmed.endIndex, offsetBy: -2)]] {
            multiplier = unit; digits.removeLast(2)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." }), let number = Double(digits),
              number.isFinite, number >= 0, number * multiplier < 9e18 else { return nil }
        return Int64(number * multiplier)
    }
}
