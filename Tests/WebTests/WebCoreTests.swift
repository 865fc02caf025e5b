import Testing
@testable import Web

@Suite("Web core") struct WebCoreTests {
    @Test func byteRanges() {
        #expect(ByteRange(header: nil, length: 10) == .whole)
        #expect(ByteRange(header: "bytes=0-0", length: 10) == .partial(0..<1))
        #expect(ByteRange(header: "bytes=5-", length: 10) == .partial(5..<10))
        #expect(ByteRange(header: "bytes=-3", length: 10) == .partial(7..<10))
        #expect(ByteRange(header: "bytes=-0", length: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=10-", length: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=2-9999999999999999999", length: 10) == .partial(2..<10))
        #expect(ByteRange(header: "bytes=99999999999999999999-", length: 10) == .whole)
        #expect(ByteRange(header: "bytes=1-2,4-5", length: 10) == .whole)
    }

    @Test func loginThrottleRefillsOverTime() {
        var throttle = LoginThrottle()
        for _ in 0..<5 { #expect(throttle.attempt(client: "a", now: 0) == nil) }
        let wait = throttle.attempt(client: "a", now: 0)
        #expect(wait == 12)
        #expect(throttle.attempt(client: "b", now: 0) == nil)  // another address has its own bucket
        #expect(throttle.attempt(client: "a", now: 12) == nil)
        #expect(throttle.attempt(client: "a", now: 12) != nil)
        // Many addresses: the overall bucket (20) runs out too.
        var all = LoginThrottle()
        for i in 0..<20 { #expect(all.attempt(client: "c\(i)", now: 0) == nil) }
        #expect(all.attempt(client: "fresh", now: 0) != nil)
    }

    @Test func passwordHashRoundTripsAndVerifies() throws {
        let hash = try PasswordHash(password: "hunter2hunter2", rounds: 1000)
        let stored = try PasswordHash(stored: hash.description)
        #expect(stored == hash)
        #expect(stored.verifies("hunter2hunter2"))
        #expect(!stored.verifies("hunter2hunter3"))
        #expect(!stored.verifies(""))
        #expect(hash.description.hasPrefix("pbkdf2-sha256$1000$"))
        // A fresh salt each time: the same password never hashes the same.
        #expect(try PasswordHash(password: "hunter2hunter2", rounds: 1000).hash != hash.hash)
        #expect(throws: PasswordHash.Failure.self) { try PasswordHash(stored: "plain-text-password") }
        #expect(PasswordHash.defaultRounds >= 210_000)
    }

    @Test func crc32MatchesTheKnownCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func zipLengthIsExact() {
        let zip = ZipStream(entries: [.init(name: "a/b.mp4", size: 1000, modified: 1_795_680_000),
                                      .init(name: "a/event.json", size: 10, modified: 0)])
        var total = 0
        for i in zip.entries.indices { total += zip.localHeader(i).count + Int(zip.entries[i].size) + zip.descriptor(i, crc: 0).count }
        total += zip.centralDirectory(crcs: [0, 0]).count
        #expect(UInt64(total) == zip.length)
    }

    @Test func listenAddresses() {
        #expect(WebSettings.listen("0.0.0.0:3000")! == ("0.0.0.0", 3000))
        #expect(WebSettings.listen(":8080")! == ("0.0.0.0", 8080))
        #expect(WebSettings.listen("[::]:3000")! == ("::", 3000))
        #expect(WebSettings.listen("localhost") == nil)
        #expect(WebSettings.listen("host:99999") == nil)
    }
}
