import Foundation
import Testing
import Web
@testable import teslacam

@Suite struct WebConfigTests {
    func parse(_ text: String) throws(ConfigurationError) -> Configuration { try Configuration.parse(Data(text.utf8)) }

    @Test func theWebSectionLoadsAndRoundTrips() throws {
        let config = try parse(#"{ "web": { "listen": "127.0.0.1:8080", "metrics": "login" } }"#)
        #expect(config.web?.settings.host == "127.0.0.1")
        #expect(config.web?.settings.port == 8080)
        #expect(config.web?.settings.openMetrics == false)
        #expect(try parse(String(decoding: config.encoded(), as: UTF8.self)) == config)
        // An empty section: port 3000 on every address, /metrics open, and nothing added when written back.
        let defaults = try parse(#"{ "web": {} }"#)
        #expect(defaults.web?.settings.port == 3000)
        #expect(defaults.web?.settings.host == "0.0.0.0")
        #expect(String(decoding: try defaults.encoded(), as: UTF8.self).contains("listen") == false)
        #expect(try parse("{}").web == nil)
        // HTTPS: the files go to the server, and the cookie is marked Secure.
        let tls = try parse(#"{ "web": { "listen": "0.0.0.0:3443", "tls": { "certFile": "/etc/teslacam/web.pem", "keyFile": "/etc/teslacam/web.key" } } }"#)
        #expect(tls.web?.settings.tls == WebTLS(certFile: "/etc/teslacam/web.pem", keyFile: "/etc/teslacam/web.key"))
        #expect(tls.web?.settings.secureCookies == true && tls.web?.settings.scheme == "https")
        #expect(try parse(String(decoding: tls.encoded(), as: UTF8.self)) == tls)
        #expect(defaults.web?.settings.secureCookies == false)
    }

    @Test func mapTilesAreAnOptionWithTheirCreditAndOrigin() throws {
        let osm = try parse(#"{ "web": { "mapTiles": { "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png" } } }"#)
        let tiles = try #require(osm.web?.settings.mapTiles)
        #expect(tiles.attribution == "© OpenStreetMap contributors" && tiles.origin == "https://tile.openstreetmap.org")
        #expect(try parse(String(decoding: osm.encoded(), as: UTF8.self)) == osm)
        let own = try parse(#"{ "web": { "mapTiles": { "url": "http://nas.local:8080/t/{z}/{x}/{y}.png", "attribution": "My tiles" } } }"#)
        #expect(own.web?.settings.mapTiles == MapTiles(url: "http://nas.local:8080/t/{z}/{x}/{y}.png", attribution: "My tiles"))
        #expect(own.web?.settings.mapTiles?.origin == "http://nas.local:8080")
        #expect(try parse(#"{ "web": {} }"#).web?.settings.mapTiles == nil, "off unless asked for")
        func message(_ text: String) -> String {
            do { _ = try parse(text); return "accepted" } catch { return error.description }
        }
        #expect(message(#"{ "web": { "mapTiles": { "url": "https://tile.example/{z}/{x}.png" } } }"#)
                == #"web.mapTiles.url: "https://tile.example/{z}/{x}.png" is not a tile address with {z}, {x} and {y} (it has no {y})"#)
        #expect(message(#"{ "web": { "mapTiles": { "url": "tiles/{z}/{x}/{y}.png" } } }"#).hasPrefix("web.mapTiles.url:"))
        #expect(message(#"{ "web": { "mapTiles": { "url": "https://a/{z}/{x}/{y}.png; script-src *" } } }"#).hasPrefix("web.mapTiles.url:"),
                "nothing that could widen the Content-Security-Policy")
        #expect(message(#"{ "web": { "mapTiles": {} } }"#).hasPrefix("web.mapTiles.url: missing"))
    }

    @Test func badWebSettingsNameTheKey() {
        func message(_ text: String) -> String {
            do { _ = try parse(text); return "accepted" } catch { return error.description }
        }
        #expect(message(#"{ "web": { "listen": "3000" } }"#).hasPrefix("web.listen: \"3000\" is not an address and port"))
        #expect(message(#"{ "web": { "listen": "0.0.0.0:70000" } }"#).hasPrefix("web.listen:"))
        #expect(message(#"{ "web": { "metrics": "closed" } }"#) == "web.metrics: \"closed\" is not one of open, login")
        #expect(message(#"{ "web": { "port": 3000 } }"#).hasPrefix("web.port: unknown setting"))
        #expect(message(#"{ "web": "0.0.0.0:3000" }"#).hasPrefix("web: "))
        #expect(message(#"{ "web": { "tls": { "certFile": "/a.pem" } } }"#).hasPrefix("web.tls.keyFile: missing"))
        #expect(message(#"{ "web": { "tls": { "cert": "/a.pem", "keyFile": "/a.key" } } }"#).hasPrefix("web.tls.certFile: missing"))
        #expect(message(#"{ "web": { "tls": { "certFile": "/a.pem", "keyFile": "/a.key", "ca": "/c.pem" } } }"#).hasPrefix("web.tls.ca: unknown setting"))
        #expect(message(#"{ "web": { "tls": true } }"#).hasPrefix("web.tls: "))
    }
}
