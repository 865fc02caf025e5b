import Foundation
import Ingest
import Testing

@Suite struct IngestConfigTests {
    static let issueExample = """
        { "listen": "0.0.0.0:8443",
          "tls": { "certFile": "/etc/teslacam-ingest/server.pem", "keyFile": "/etc/teslacam-ingest/server.key",
                   "caFile": "/etc/teslacam-ingest/devices-ca.pem" },
          "devices": { "allow": ["model3-oslo", "modely-bergen"] },
          "storage": { "type": "s3", "endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket": "fleet-clips",
                       "region": "eu-west-1", "accessKeyId": "AKIA...", "secretAccessKeyFile": "/etc/teslacam-ingest/s3.key",
                       "prefix": "" },
          "catalog": { "postgres": "postgres://ingest@db.internal/teslacam" },
          "rateLimit": { "bytesPerSecond": "20M", "requestsPerMinute": 600 },
          "dispatchers": { "ops": { "type": "webhook", "url": "https://ops.example.com/hook" } },
          "records": { "sentry": ["ops"], "alerts": ["logger"] } }
        """

    func parse(_ text: String) throws(IngestConfigError) -> IngestConfig { try IngestConfig.parse(Data(text.utf8)) }

    /// The issue's example, changed at one key path.
    func variant(_ change: (inout [String: Any]) -> Void) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(Self.issueExample.utf8)) as! [String: Any]
        change(&object)
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func error(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return error.description }
    }

    @Test func theIssuesExampleLoads() throws {
        let config = try parse(Self.issueExample)
        #expect(config.host == "0.0.0.0" && config.port == 8443)
        #expect(config.allow == ["model3-oslo", "modely-bergen"])
        #expect(config.storage.bucket == "fleet-clips" && config.storage.partSize >= 5 << 20)
        #expect(config.rateLimit.bytesPerSecond == 20 << 20 && config.rateLimit.requestsPerMinute == 600)
        #expect(config.dispatchers["ops"] == .webhook(url: "https://ops.example.com/hook"))
        #expect(config.records[.sentry] == ["ops"] && config.records[.alerts] == ["logger"])
    }

    @Test func unknownKeysAreNamedByTheirPath() {
        #expect(error(variant { $0["listn"] = "x" }).hasPrefix("listn is not a known key"))
        #expect(error(variant { var s = $0["storage"] as! [String: Any]; s["bukket"] = "x"; $0["storage"] = s })
            .hasPrefix("storage.bukket is not a known key"))
        #expect(error(variant { var r = $0["rateLimit"] as! [String: Any]; r["burst"] = 3; $0["rateLimit"] = r })
            .hasPrefix("rateLimit.burst is not a known key"))
        #expect(error(variant { $0["dispatchers"] = ["ops": ["type": "webhook", "url": "https://x", "retries": 3]] })
            .hasPrefix("dispatchers.ops.retries is not a known key"))
    }

    @Test func badUnitsAreRefusedInWords() {
        #expect(error(variant { $0["rateLimit"] = ["bytesPerSecond": "20 megs"] })
            == "rateLimit.bytesPerSecond is \"20 megs\", expected a rate in bytes per second (use e.g. 20M, 500K)")
        #expect(error(variant { $0["rateLimit"] = ["requestsPerMinute": "600"] }).hasPrefix("rateLimit.requestsPerMinute is \"600\", expected a whole number"))
        #expect(error(variant { $0["rateLimit"] = ["requestsPerMinute": 0] }).hasPrefix("rateLimit.requestsPerMinute is 0"))
        #expect(error(variant { var s = $0["storage"] as! [String: Any]; s["partSize"] = "1M"; $0["storage"] = s })
            .hasPrefix("storage.partSize is 1048576 bytes, expected from 5M to 5G"))
        #expect(error(variant { $0["listen"] = "8443" }).hasPrefix("listen is \"8443\", expected host:port"))
        #expect((try? parse(variant { $0["rateLimit"] = ["bytesPerSecond": "2M/s"] }))?.rateLimit.bytesPerSecond == 2 << 20)
    }

    @Test func uploadsLeaseAndReadBackAreValidated() throws {
        let defaults = try parse(Self.issueExample)
        #expect(defaults.uploads.leaseSeconds == 30 && defaults.uploads.readBack == false && defaults.uploads.streamParts)
        let set = try parse(variant { $0["uploads"] = ["leaseSeconds": 5, "readBack": true, "streamParts": false] })
        #expect(set.uploads.leaseSeconds == 5 && set.uploads.readBack && !set.uploads.streamParts)
        #expect(error(variant { $0["uploads"] = ["leaseSeconds": 1] }).hasPrefix("uploads.leaseSeconds is 1, expected a whole number from 2 to 3600"))
        #expect(error(variant { $0["uploads"] = ["readBack": "yes"] }).hasPrefix("uploads.readBack is \"yes\", expected true or false"))
    }

    @Test func undefinedDispatchersAndUnknownKindsAreRefused() {
        #expect(error(variant { $0["records"] = ["sentry": ["ops", "kafka"]] })
            .hasPrefix("records.sentry[1] names the dispatcher \"kafka\", which is not defined"))
        #expect(error(variant { $0["records"] = ["crash": ["ops"]] }).hasPrefix("records.crash is not a known key"))
        #expect(error(variant { $0["dispatchers"] = ["ops": ["type": "kafka"]] })
            == "dispatchers.ops.type is \"kafka\", expected one of webhook, logger")
    }

    @Test func missingSectionsSayWhatTheyAreFor() {
        #expect(error(variant { $0["tls"] = nil }) == "tls is missing: it is needed for mutual TLS (certFile, keyFile, caFile)")
        #expect(error(variant { var t = $0["tls"] as! [String: Any]; t["caFile"] = nil; $0["tls"] = t })
            .hasPrefix("tls.caFile is missing"))
        #expect(error(variant { $0["catalog"] = ["postgres": "mysql://x"] }).hasPrefix("catalog.postgres is \"mysql://x\""))
        #expect(error("[1]").hasPrefix("the config is not valid JSON"))
        #expect(error("{").hasPrefix("the config is not valid JSON"))
    }
}
