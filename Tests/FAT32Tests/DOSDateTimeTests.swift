import FAT32
import PropertyBased
import Testing

@Suite("DOSDateTime")
struct DOSDateTimeTests {
    @Test("encodes fields into the date and time words")
    func known() {
        let t = DOSDateTime(year: 2025, month: 6, day: 1, hour: 12, minute: 34, second: 56)
        #expect(t.date == (45 << 9 | 6 << 5 | 1))
        #expect(t.time == (12 << 11 | 34 << 5 | 28))
        #expect(t.date == 0x5AC1 && t.time == 0x645C)
        #expect(t.description == "2025-06-01 12:34:56")
        #expect(DOSDateTime.epoch == DOSDateTime(year: 1980, month: 1, day: 1))
        #expect(DOSDateTime(date: 0x5AC1, time: 0x645C) == t)
    }

    @Test("2-second resolution and clamping")
    func resolutionAndClamping() {
        #expect(DOSDateTime(year: 2024, month: 1, day: 1, second: 59).second == 58)
        #expect(DOSDateTime(year: 1970, month: 1, day: 1) == .epoch)
        #expect(DOSDateTime(year: 2200, month: 13, day: 40, hour: 25, minute: 61, second: 99).description
            == "2107-12-31 23:59:58")
        #expect(DOSDateTime(year: 2023, month: 2, day: 29).day == 28)
        #expect(DOSDateTime(year: 2024, month: 2, day: 29).day == 29)
    }

    @Test("garbage words are kept and reported invalid")
    func invalid() {
        let t = DOSDateTime(date: 0, time: 0xFFFF)
        #expect(!t.isValid)
        #expect(t.month == 0 && t.hour == 31)
        #expect(t.secondsSince1970 == nil)
        #expect(!DOSDateTime(date: 2 << 5 | 30, time: 0).isValid)  // 30 February 1980
    }

    @Test("seconds since 1970")
    func unixTime() {
        #expect(DOSDateTime(secondsSince1970: 315_532_800) == .epoch)
        #expect(DOSDateTime.epoch.secondsSince1970 == 315_532_800)
        #expect(DOSDateTime(secondsSince1970: 1_748_781_296).description == "2025-06-01 12:34:56")
        #expect(DOSDateTime(secondsSince1970: 0) == .epoch)
        #expect(DOSDateTime(secondsSince1970: .max).description == "2107-12-31 23:59:58")
    }

    @Test("fields round-trip through the words (seconds rounded down to even)", .tags(.property))
    func fieldsRoundTrip() async {
        await propertyCheck(
            input: Gen.int(in: 1980...2107), Gen.int(in: 1...12), Gen.int(in: 1...31),
            zip(Gen.int(in: 0...23), Gen.int(in: 0...59), Gen.int(in: 0...59))
        ) { year, month, day, clock in
            let (hour, minute, second) = clock
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            let day = min(day, daysInMonth)
            let t = DOSDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            #expect(t.isValid)
            #expect(t.year == year && t.month == month && t.day == day)
            #expect(t.hour == hour && t.minute == minute && t.second == second / 2 * 2)
            #expect(DOSDateTime(date: t.date, time: t.time) == t)
            let seconds = try #require(t.secondsSince1970)
            #expect(DOSDateTime(secondsSince1970: seconds) == t)
        }
    }

    @Test("seconds round-trip to the even second", .tags(.property))
    func secondsRoundTrip() async {
        await propertyCheck(input: Gen.int64(in: 315_532_800...4_354_819_199)) { seconds in
            let t = DOSDateTime(secondsSince1970: seconds)
            #expect(t.secondsSince1970 == seconds / 2 * 2)
        }
    }
}
