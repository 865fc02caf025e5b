/// Why the ingest config cannot be used; each case names the key's full path (`rateLimit.bytesPerSecond`).
public enum IngestConfigError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case notJSON(reason: String)
    case missingKey(key: String, why: String)
    case unknownKey(key: String, known: [String])
    case invalidValue(key: String, found: String, expected: String)
    case undefinedDispatcher(key: String, name: String, defined: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "cannot read the config \(file): \(reason)"
        case let .notJSON(reason): "the config is not valid JSON: \(reason)"
        case let .missingKey(key, why): "\(key) is missing: it is needed for \(why)"
        case let .unknownKey(key, known):
            "\(key) is not a known key (known here: \(known.sorted().joined(separator: ", "))); a typo, or a key of another version?"
        case let .invalidValue(key, found, expected): "\(key) is \(found), expected \(expected)"
        case let .undefinedDispatcher(key, name, defined):
            "\(key) names the dispatcher \"\(name)\", which is not defined; define it under dispatchers "
                + "or use one of: \((defined + ["logger"]).sorted().joined(separator: ", "))"
        }
    }
}
