/// A UTC instant in the two spellings SigV4 uses: `20150830T123600Z` and its date `20150830`.
/// Computed from Unix seconds with integer arithmetic (no calendar, no locale, no Foundation).
public struct SigV4Timestamp: Sendable, Equatable {
    /// `yyyyMMdd'T'HHmmss'Z'`, the `x-amz-date` header's value.
    public let amzDate: String
    /// `yyyyMMdd`, the credential scope's date.
    public var date: String { String(amzDate.prefix(8)) }

    public init(unixSeconds: Int64) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        amzDate = Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) + "T"
            + Self.pad(secondOfDay / 3600, 2) + Self.pad(secondOfDay / 60 % 60, 2) + Self.pad(secondOfDay % 60, 2) + "Z"
    }

    /// Parses an `x-amz-date` spelling; nil when it is not one.
    public init?(amzDate: String) {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
              bytes.enumerated().allSatisfy({ $0.offset == 8 || $0.offset == 15 || (48...57).contains($0.element) })
        else { return nil }
        self.amzDate = amzDate
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
