import MP4
import Testing

@Suite("Tesla clip and folder names")
struct TeslaNameTests {
    static let cameras = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]

    @Test("parses the six cameras", arguments: cameras)
    func sixCameras(camera: String) throws {
        let name = try #require(TeslaClipName("2024-05-01_12-34-56-\(camera).mp4"))
        #expect(name.camera == camera)
        #expect(name.timestamp.year == 2024 && name.timestamp.month == 5 && name.timestamp.day == 1)
        #expect(name.timestamp.hour == 12 && name.timestamp.minute == 34 && name.timestamp.second == 56)
        #expect(name.secondsSince1970 == 1_714_566_896)
        #expect(name.description == "2024-05-01_12-34-56-\(camera).mp4")
    }

    @Test("unknown future cameras parse too")
    func unknownCamera() throws {
        #expect(try #require(TeslaClipName("2031-12-31_23-59-59-rear_bumper2.mp4")).camera == "rear_bumper2")
        #expect(try #require(TeslaClipName("2024-05-01_12-34-56-front.MP4")).camera == "front")
    }

    @Test(
        "rejects other names",
        arguments: [
            "", "front.mp4", "2024-05-01_12-34-56.mp4", "2024-05-01_12-34-56-.mp4", "2024-05-01_12-34-56-front.mov",
            "2024-05-01_12-34-56_front.mp4", "2024-13-01_12-34-56-front.mp4", "2023-02-29_12-34-56-front.mp4",
            "2024-05-01_24-00-00-front.mp4", "2024-05-01 12-34-56-front.mp4", "2024-05-01_12-34-56-fr/nt.mp4",
            "2024-05-01_12-34-56-front.mp4.tmp", "２024-05-01_12-34-56-front.mp4", "2024-05-01_12-34-5a-front.mp4",
        ])
    func rejects(name: String) {
        #expect(TeslaClipName(name) == nil)
    }

    @Test("event folder names")
    func folders() throws {
        let stamp = try #require(TeslaTimestamp("2024-02-29_00-00-00"))
        #expect(stamp.secondsSince1970 == 1_709_164_800)
        #expect(stamp.description == "2024-02-29_00-00-00")
        #expect(TeslaTimestamp("2024-02-29_00-00-00-front") == nil)
        #expect(TeslaTimestamp("2024-02-30_00-00-00") == nil)
        #expect(TeslaTimestamp("1970-01-01_00-00-00")?.secondsSince1970 == 0)
        #expect(TeslaTimestamp("1969-12-31_23-59-59")?.secondsSince1970 == -1)
        #expect(TeslaTimestamp(iso8601: "2024-05-01T12:34:56") == TeslaTimestamp("2024-05-01_12-34-56"))
    }

    @Test("stamps order chronologically")
    func order() throws {
        let a = try #require(TeslaTimestamp("2024-05-01_12-34-56"))
        let b = try #require(TeslaTimestamp("2024-05-01_12-35-00"))
        #expect(a < b && a.secondsSince1970 < b.secondsSince1970)
    }

    @Test("secondsSince1970 agrees with a day count over many years")
    func epochWalk() throws {
        // 2000-03-01 is day 11017; walk forward day by day through leap years.
        var days = 11_017
        var (year, month, day) = (2000, 3, 1)
        for _ in 0..<3000 {
            let stamp = try #require(TeslaTimestamp(year: year, month: month, day: day, hour: 0, minute: 0, second: 0))
            #expect(stamp.secondsSince1970 == Int64(days) * 86_400)
            days += 1
            day += 1
            if TeslaTimestamp(year: year, month: month, day: day, hour: 0, minute: 0, second: 0) == nil {
                (day, month) = (1, month + 1)
                if month == 13 { (month, year) = (1, year + 1) }
            }
        }
    }
}
