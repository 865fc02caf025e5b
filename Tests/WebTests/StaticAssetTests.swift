import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Web

/// The page's files gzipped for a client that takes gzip, named by their digest and kept a year, a 304 for a
/// page the phone already holds; clips are never compressed.
@Suite("Web static assets") struct StaticAssetTests {
    @Test func assetsAreGzippedWhenAcceptedAndRevalidatedByETag() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.server().application().test(.router) { client in
            let gzip: HTTPFields = [.acceptEncoding: "gzip, deflate, br"]
            let page = try await client.execute(uri: "/", method: .get, headers: gzip)
            #expect(page.status == .ok)
            #expect(page.headers[.contentEncoding] == "gzip")
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.vary] == "Accept-Encoding")
            let html = String(decoding: try Gzip.decompress(Array(Data(buffer: page.body))), as: UTF8.self)
            let script = PageAssets.served.script
            #expect(html.contains("/app.js?v=\(script.version)\""))
            #expect(html.contains("/app.css?v=\(PageAssets.served.style.version)\""))

            // The script by its digest: gzipped, the very bytes compiled in, kept a year.
            let js = try await client.execute(uri: "/app.js?v=\(script.version)", method: .get, headers: gzip)
            #expect(js.headers[.contentEncoding] == "gzip")
            #expect(js.headers[.cacheControl] == StaticAsset.year)
            let body = Array(Data(buffer: js.body))
            #expect(try Gzip.decompress(body) == Array(PageAssets.script.utf8))
            #expect(body.count * 2 < PageAssets.script.utf8.count)
            // Without gzip in Accept-Encoding (or with q=0): the plain bytes, another ETag.
            for refused in [nil, "gzip;q=0, identity"] as [String?] {
                var headers: HTTPFields = [:]
                if let refused { headers[.acceptEncoding] = refused }
                let plain = try await client.execute(uri: "/app.js?v=\(script.version)", method: .get, headers: headers)
                #expect(plain.headers[.contentEncoding] == nil)
                #expect(Array(Data(buffer: plain.body)) == Array(PageAssets.script.utf8))
                #expect(plain.headers[.eTag] != js.headers[.eTag])
            }
            // An older page's name for the script: today's bytes, not kept.
            let stale = try await client.execute(uri: "/app.js?v=0123456789abcdef", method: .get, headers: gzip)
            #expect(stale.headers[.cacheControl] == "no-cache")

            // The page the phone holds: 304, no body.
            let etag = try #require(page.headers[.eTag])
            let again = try await client.execute(uri: "/", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let other = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: "\"0123456789abcdef\""])
            #expect(other.status == .ok)

            // A clip is never compressed, whatever the client accepts.
            let browser = try await Browser.login(client)
            let clip = try fixture.id("08-02-00-front.mp4")
            var headers = browser.headers
            headers[.acceptEncoding] = "gzip"
            let video = try await client.execute(uri: "/api/clips/\(clip)", method: .get, headers: headers)
            #expect(video.status == .ok)
            #expect(video.headers[.contentEncoding] == nil)
            #expect(Array(Data(buffer: video.body)) == (try fixture.bytes(fixture.catalog.clip(id: clip)!.path)))
        }
    }

    @Test func acceptEncodingIsReadAsRFC9110Says() {
        #expect(StaticAsset.acceptsGzip("gzip"))
        #expect(StaticAsset.acceptsGzip("br;q=1.0, GZIP;q=0.5"))
        #expect(StaticAsset.acceptsGzip("*"))
        #expect(!StaticAsset.acceptsGzip("gzip;q=0"))
        #expect(!StaticAsset.acceptsGzip("br, deflate"))
        #expect(!StaticAsset.acceptsGzip(nil))
        #expect(StaticAsset.matches("W/\"abc\", \"x\"", version: "abc"))
        #expect(StaticAsset.matches("\"abc-gz\"", version: "abc"))
        #expect(!StaticAsset.matches("\"abd\"", version: "abc"))
    }
}
