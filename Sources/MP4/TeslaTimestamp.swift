/// A wall-clock stamp as Tesla writes it in file and folder names: `YYYY-MM-DD_HH-MM-SS`.
///
/// The car stamps local time without a zone; `secondsSince1970` treats it as UTC, so it orders
/// and differences correctly but is offset from true Unix time by the car's zone.
public struct TeslaTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int

    /// Creates a stamp; nil when a field is out of range (month 1...12, day within the month,
    /// hour 0...23, minute and second 0...59, year 0...9999).
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        guard (0...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
    }

    /// Parses exactly `YYYY-MM-DD_HH-MM-SS` (an event folder name); nil for anything else.
    public init?(_ text: some StringProtocol) {
        self.init(text, dateTimeSeparator: UInt8(ascii: "_"), timeSeparator: UInt8(ascii: "-"))
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS`, the form of `event.json`'s `timestamp`; nil for anything else.
    public init?(iso8601 text: some StringProtocol) {
        self.init(text, dateTimeSeparator: UInt8(ascii: "T"), timeSeparator: UInt8(ascii: ":"))
    }

    private init?(_ text: some StringProtocol, dateTimeSeparator: UInt8, timeSeparator: UInt8) {
        let bytes = Array(text.utf8)
        let dash = UInt8(ascii: "-")
        // Positions of separators in the 19-byte form; every other byte is a digit.
        let separators: [Int: UInt8] = [4: dash, 7: dash, 10: dateTimeSeparator, 13: timeSeparator, 16: timeSeparator]
        guard bytes.count == 19 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if let separator = separators[index] {
                guard byte == separator else { return nil }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            }
        }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        self.init(
            year: number(0..<4), month: number(5..<7), day: number(8..<10),
            hour: number(11..<13), minute: number(14..<16), second: number(17..<19))
    }

    /// The stamp as seconds since 1970-01-01 00:00:00, reading it as UTC.
    public var secondsSince1970: Int64 {
        Int64(Self.daysSince1970(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYY-MM-DD_HH-MM-SS`, as in Tesla names.
    public var description: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))_\(pad(hour, 2))-\(pad(minute, 2))-\(pad(second, 2))"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute, lhs.second)
            < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute, rhs.second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
