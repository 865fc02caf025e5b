/// One HTTP byte range (RFC 9110 §14.1.2) resolved against a length: `bytes=0-99`, `bytes=100-`, `bytes=-500`.
///
/// Pure: the route turns `.partial` into 206, `.unsatisfiable` into 416 and `.whole` into 200.
public enum ByteRange: Equatable, Sendable {
    /// No (usable) Range header: the whole representation.
    case whole
    case partial(Range<UInt64>)
    /// The range starts at or past the end: 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    /// Resolves a `Range` header value against `length`. A header that is not one well-formed byte range (several
    /// ranges, another unit, garbage) is ignored, as the RFC allows: the whole representation is sent.
    public init(header: String?, length: UInt64) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingSpaces
        guard trimmed.hasPrefix("bytes="), trimmed.utf8.count < 64 else { self = .whole; return }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        func number(_ text: Substring) -> UInt64? {
            guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return UInt64(text)
        }
        if first.isEmpty {
            // A suffix: the last N bytes.
            guard let count = number(last) else { self = .whole; return }
            guard count > 0, length > 0 else { self = .unsatisfiable; return }
            self = .partial((length - min(count, length))..<length)
            return
        }
        guard let start = number(first) else { self = .whole; return }
        let end: UInt64
        if last.isEmpty {
            end = length
        } else {
            guard let inclusive = number(last), inclusive >= start else { self = .whole; return }
            end = min(inclusive == UInt64.max ? inclusive : inclusive + 1, length)
        }
        guard start < length else { self = .unsatisfiable; return }
        self = .partial(start..<end)
    }
}

extension String {
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}

extension Substring {
    var trimmingSpaces: Substring { String(self).trimmingSpaces }
}
