/// A tiny, tolerant JSON reader for one object whose interesting values are scalars.
///
/// Strings keep their unescaped text; numbers, `true`, `false` and `null` keep their literal text;
/// nested objects and arrays are validated and skipped (future firmware may add them).
/// Returns nil for anything that is not one well-formed object. Never traps; nesting is capped.
enum FlatJSON {
    static let maximumDepth = 32

    static func object(_ bytes: [UInt8]) -> [String: String]? {
        var parser = Parser(bytes: bytes)
        guard let fields = parser.topLevelObject() else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? fields : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // Tolerate a UTF-8 byte order mark.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard current == byte else { return false }
            index += 1
            return true
        }

        mutating func topLevelObject() -> [String: String]? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var fields: [String: String] = [:]
            if consume(UInt8(ascii: "}")) { return fields }
            repeat {
                skipWhitespace()
                guard let key = string(), consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                switch current {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard skipValue(depth: 1) else { return nil }
                default:
                    guard let value = scalar() else { return nil }
                    fields[key] = value
                }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}")) ? fields : nil
        }

        /// A string, or the literal text of a number/true/false/null.
        mutating func scalar() -> String? {
            if current == UInt8(ascii: "\"") { return string() }
            let start = index
            while let byte = current, isLiteralByte(byte) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard !text.isEmpty else { return nil }
            if text == "true" || text == "false" || text == "null" || Double(text) != nil { return text }
            return nil
        }

        func isLiteralByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "E")
        }

        /// A quoted string with escapes resolved; invalid UTF-8 becomes U+FFFD.
        mutating func string() -> String? {
            guard current == UInt8(ascii: "\"") else { return nil }
            index += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard let scalar = escape() else { return nil }
                    scalars.append(scalar)
                case 0..<0x20:
                    return nil  // control characters must be escaped
                default:
                    raw.append(byte)
                }
            }
            return nil  // unterminated
        }

        /// The character after a backslash (already consumed).
        mutating func escape() -> Unicode.Scalar? {
            guard let byte = current else { return nil }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                    else { return "\u{FFFD}" }
                    index += 2
                    guard let low = hex4() else { return nil }
                    guard (0xDC00..<0xE000).contains(low) else { return "\u{FFFD}" }
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                return Unicode.Scalar(unit) ?? "\u{FFFD}"  // lone low surrogate
            default:
                return nil
            }
        }

        mutating func hex4() -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { return nil }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        /// Validates and skips any value, bounding recursion so deep nesting cannot overflow the stack.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth <= FlatJSON.maximumDepth else { return false }
            skipWhitespace()
            switch current {
            case UInt8(ascii: "{"):
                index += 1
                if consume(UInt8(ascii: "}")) { return true }
                repeat {
                    skipWhitespace()
                    guard string() != nil, consume(UInt8(ascii: ":")), skipValue(depth: depth + 1) else { return false }
                } while consume(UInt8(ascii: ","))
                return consume(UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                index += 1
                if consume(UInt8(ascii: "]")) { return true }
                repeat {
                    guard skipValue(depth: depth + 1) else { return false }
                } while consume(UInt8(ascii: ","))
                return consume(UInt8(ascii: "]"))
            default:
                return scalar() != nil
            }
        }
    }
}
