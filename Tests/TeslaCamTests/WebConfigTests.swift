import Foundation
import Testing
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
    }
}
