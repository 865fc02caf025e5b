import Foundation
import Retention
import Testing
import Volume
@testable import teslacam

@Suite struct ConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(Data(text.utf8))
    }

    /// The message a bad document gets.
    func message(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func theDocumentedExampleLoads() throws {
        let config = try parse("""
            { "state": "/var/lib/teslacam", "archive": "/srv/teslacam", "mountpoint": "/run/teslacam",
              "size": "30G", "layout": "mbr", "logLevel": "info", "cache": "16M", "hold": "64M",
              "retention": { "recentDays": 2, "eventDays": 30, "reserve": "auto", "minFree": "2G" } }
            """)
        #expect(config.state == "/var/lib/teslacam")
        #expect(config.size == ByteSize(bytes: 30 << 30))
        #expect(config.layout == .mbr)
        #expect(config.logLevel == .info)
        #expect(config.cache == ByteSize(bytes: 16 << 20))
        #expect(config.hold == ByteSize(bytes: 64 << 20))
        #expect(config.retentionPolicy == .standard)
    }

    @Test func absentRetentionIsTheDefaultsAndPartialSectionsFillIn() throws {
        #expect(try parse("{}").retentionPolicy == .standard)
        let policy = try parse(#"{ "retention": { "recentDays": 0.5, "reserve": "20G" } }"#).retentionPolicy
        #expect(policy == RetentionPolicy(recentDays: 0.5, eventDays: 30, reserve: .fixed(20 << 30), minFreeBytes: 2 << 30))
        #expect(try parse(#"{ "retention": { "minFree": 1048576, "eventDays": 7 } }"#).retentionPolicy
            == RetentionPolicy(recentDays: 2, eventDays: 7, reserve: .auto, minFreeBytes: 1 << 20))
    }

    /// 0 and 1 are numbers, not booleans; true is not a number.
    @Test func zeroAndOneAreNumbers() throws {
        let policy = try parse(#"{ "retention": { "recentDays": 1, "eventDays": 0, "minFree": 0 } }"#).retentionPolicy
        #expect(policy == RetentionPolicy(recentDays: 1, eventDays: 0, reserve: .auto, minFreeBytes: 0))
    }

    @Test func aBadUnitNamesTheKeyAndTheFix() {
        #expect(message(#"{ "retention": { "minFree": "2Q" } }"#)
            == #"retention.minFree: "2Q" is not a size (use e.g. 2G, 500M)"#)
        #expect(message(#"{ "size": "big" }"#) == #"size: "big" is not a size (use e.g. 2G, 500M)"#)
        #expect(message(#"{ "retention": { "reserve": "lots" } }"#)
            == #"retention.reserve: "lots" is not "auto" or a size (use e.g. 8G, 500M)"#)
    }

    @Test func unknownKeysAnywhereAreErrors() {
        #expect(message(#"{ "archiv": "/srv" }"#).hasPrefix("archiv: unknown setting (known here: state, archive"))
        let nested = message(#"{ "retention": { "recentDay": 3 } }"#)
        #expect(nested == "retention.recentDay: unknown setting (known here: recentDays, eventDays, reserve, minFree); "
            + "remove it or fix its spelling")
    }

    @Test func wrongTypesAreErrors() {
        #expect(message(#"{ "state": 5 }"#) == "state: 5 is not a string")
        #expect(message(#"{ "retention": { "recentDays": "two" } }"#) == #"retention.recentDays: "two" is not a number of days"#)
        #expect(message(#"{ "retention": { "eventDays": -1 } }"#) == "retention.eventDays: -1 is not a number of days, 0 or more")
        #expect(message(#"{ "retention": { "eventDays": true } }"#) == "retention.eventDays: true is not a number of days")
        #expect(message(#"{ "retention": 2 }"#) == "retention: 2 is not an object { ... }")
        #expect(message(#"{ "layout": "gpt" }"#) == #"layout: "gpt" is not one of mbr, superfloppy"#)
        #expect(message(#"{ "logLevel": "loud" }"#).hasPrefix(#"logLevel: "loud" is not one of trace, debug, info"#))
        #expect(message(#"{ "cache": -5 }"#) == "cache: -5 is not a size (use e.g. 2G, 500M)")
    }

    @Test func notAnObjectOrNotJSONAtAll() {
        #expect(message("[1, 2]") == "not valid JSON: the file must hold one JSON object { ... }, not a list")
        #expect(message("{ \"state\": ").hasPrefix("not valid JSON: "))
    }

    @Test func errorsFromAFileNameTheFile() throws {
        let path = NSTemporaryDirectory() + "teslacam-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{ "retention": { "minFree": "2Q" } }"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigurationError.inFile(path: path, .invalidValue(key: "retention.minFree", found: #""2Q""#,
                                                                             expected: "a size (use e.g. 2G, 500M)"))) {
            try Configuration.load(from: path)
        }
        #expect(throws: ConfigurationError.self) { try Configuration.load(from: path + ".missing") }
    }

    @Test func writtenBackItReadsTheSameAndLeavesAbsentKeysOut() throws {
        let config = try parse(#"{ "archive": "/srv", "retention": { "reserve": "8G", "recentDays": 1.5 } }"#)
        let text = String(decoding: try config.encoded(), as: UTF8.self)
        #expect(!text.contains("state"))
        #expect(!text.contains("minFree"))
        #expect(try Configuration.parse(config.encoded()) == config)
        let auto = try parse(#"{ "retention": { "reserve": "auto" } }"#)
        #expect(try Configuration.parse(auto.encoded()) == auto)
    }
}
