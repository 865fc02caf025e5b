import BlockTrace
import MP4
import Testing

@Suite("event.json")
struct TeslaEventTests {
    @Test("parses a real-shaped event")
    func typical() throws {
        let json = #"{"timestamp":"2024-05-01T12:34:56","city":"Oslo","street":"Karl Johans gate","est_lat":"59.9133","est_lon":"10.7389","reason":"sentry_aware_object_detection","camera":"5"}"#
        let event = try #require(TeslaEvent(json: json))
        #expect(event.timestamp == "2024-05-01T12:34:56")
        #expect(event.date == TeslaTimestamp("2024-05-01_12-34-56"))
        #expect(event.city == "Oslo" && event.street == "Karl Johans gate")
        #expect(event.latitude == 59.9133 && event.longitude == 10.7389)
        #expect(event.reason == "sentry_aware_object_detection" && event.camera == "5")
    }

    @Test("handles escapes, whitespace, BOM, missing and extra fields")
    func tolerant() throws {
        let json = "\u{FEFF} {\n \"city\" : \"Tr\\u00f8ndelag \\\"N\\\" a\\\\b c\\/d\\ne \\ud83d\\ude97\",\"extra\":{\"a\":[1,2,{}]},\"n\":12.5,\"b\":true,\"z\":null } \n"
        let event = try #require(TeslaEvent(json: json))
        #expect(event.city == "Trøndelag \"N\" a\\b c/d\ne 🚗")
        #expect(event.fields["n"] == "12.5" && event.fields["b"] == "true" && event.fields["z"] == "null")
        #expect(event.fields["extra"] == nil && event.timestamp == nil && event.latitude == nil)
        #expect(TeslaEvent(json: "{}")?.fields.isEmpty == true)
        #expect(TeslaEvent(json: #"{"est_lat":"abc","est_lon":"200"}"#).map { ($0.latitude, $0.longitude) }! == (nil, nil))
    }

    @Test(
        "returns nil on garbage",
        arguments: [
            "", "null", "[]", "\"x\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":\"b\"", "{\"a\":\"b\",}",
            "{\"a\":\"b\"} x", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"line\nbreak\"}", "{a:\"b\"}",
            "{\"a\":bogus}", "{\"a\":[1,}", String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100),
        ])
    func garbage(text: String) {
        #expect(TeslaEvent(json: text) == nil)
    }

    @Test("random bytes never crash")
    func randomBytes() {
        var rng = SplitMix64(seed: 9)
        let alphabet = Array(#"{}[]:,"\ u0123456789abcdefnrtlse.-"#.utf8) + [0xC3, 0xA9, 0xFF, 0x0A]
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            _ = TeslaEvent(json: [UInt8(ascii: "{")] + bytes)
        }
    }
}
