/// A FAT timestamp: a date word and a time word with 2-second resolution, in the writer's local time (FAT stores
/// no time zone). Years 1980–2107.
///
/// The raw words are kept as read, so garbage round-trips unchanged; `isValid` says whether they form a real
/// date and time.
public struct DOSDateTime: Hashable, Sendable, CustomStringConvertible {
    /// Bits 15–9: years since 1980, 8–5: month (1–12), 4–0: day (1–31).
    public var date: UInt16
    /// Bits 15–11: hour, 10–5: minute, 4–0: seconds ÷ 2.
    public var time: UInt16

    /// 1980-01-01 00:00:00, the earliest FAT timestamp.
    public static let epoch = DOSDateTime(date: 0x0021, time: 0)

    public init(date: UInt16, time: UInt16) {
        self.date = date
        self.time = time
    }

    /// A timestamp from calendar fields. Values out of range are clamped into it (year 1980...2107, month 1...12,
    /// day 1...days in that month, hour 0...23, minute and second 0...59), and odd seconds round down: a FAT
    /// timestamp cannot fail to exist, so neither can this.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let year = min(max(year, 1980), 2107)
        let month = min(max(month, 1), 12)
        let day = min(max(day, 1), Self.daysIn(month: month, year: year))
        let hour = min(max(hour, 0), 23), minute = min(max(minute, 0), 59), second = min(max(second, 0), 59)
        self.date = UInt16(year - 1980) << 9 | UInt16(month) << 5 | UInt16(day)
        self.time = UInt16(hour) << 11 | UInt16(minute) << 5 | UInt16(second / 2)
    }

    /// The timestamp for `seconds` since 1970-01-01 00:00:00 in the same time zone as the result (pass UTC
    /// seconds plus the zone's offset to get local time, which is what FAT writers store). Clamped to the FAT range.
    public init(secondsSince1970 seconds: Int64) {
        let minimum: Int64 = 315_532_800  // 1980-01-01
        let maximum: Int64 = 4_354_819_199  // 2107-12-31 23:59:59
        let s = min(max(seconds, minimum), maximum)
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let secondOfDay = Int(s - days * 86_400)
        let (y, m, d) = Self.civil(fromDays: days)
        self.init(
            year: y, month: m, day: d, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60)
    }

    public var year: Int { 1980 + Int(date >> 9) }
    public var month: Int { Int(date >> 5 & 0x0F) }
    public var day: Int { Int(date & 0x1F) }
    public var hour: Int { Int(time >> 11) }
    public var minute: Int { Int(time >> 5 & 0x3F) }
    public var second: Int { Int(time & 0x1F) * 2 }

    /// Whether the words form a real calendar date and time of day.
    public var isValid: Bool {
        (1...12).contains(month) && (1...Self.daysIn(month: month, year: year)).contains(day) && hour < 24
            && minute < 60 && second < 60
    }

    /// Seconds since 1970-01-01 00:00:00 in the timestamp's own (unknown) time zone; nil if not `isValid`.
    public var secondsSince1970: Int64? {
        guard isValid else { return nil }
        return Self.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYY-MM-DD hh:mm:ss` (fields as stored, even if invalid).
    public var description: String {
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)):\(pad(second))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, day 0 = 1970-01-01).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
