/// A size as people write it: `30G`, `512M`, `2T`, `65536` (binary units: G means GiB, the way disk sizes are set).
public struct ByteSize: Equatable, Sendable, CustomStringConvertible, Codable {
    public let bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    public init?(parsing text: String) {
        let trimmed = text.trimmingPrefixAndSuffixSpaces().uppercased()
        guard !trimmed.isEmpty else { return nil }
        var digits = Substring(trimmed)
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits = digits.dropLast(suffix.count)
            break
        }
        var shift: UInt64 = 0
        if let unit = digits.last, !unit.isNumber {
            switch unit {
            case "K": shift = 10
            case "M": shift = 20
            case "G": shift = 30
            case "T": shift = 40
            default: return nil
            }
            digits = digits.dropLast()
        }
        guard let value = UInt64(digits), value <= (UInt64.max >> shift) else { return nil }
        bytes = value << shift
    }

    public var description: String {
        for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] as [(UInt64, String)]
        where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) { self.init(bytes: number); return }
        let text = try container.decode(String.self)
        guard let parsed = ByteSize(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a size like 30G")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
