import Foundation
import Outbound
import Sinks
import Testing
import Volume
@testable import teslacam

/// The config's sinks, routes and upload sections: strict, each error naming its key's path.
@Suite struct SinkConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> Configuration { try Configuration.parse(Data(text.utf8)) }

    func message(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "accepted"
        } catch {
            return error.description
        }
    }

    static let example = """
        { "sinks": {
            "nas":    { "type": "folder", "path": "/mnt/nas/TeslaCam", "prefix": "model3/", "bandwidth": "2M" },
            "backup": { "type": "rsync", "host": "nas.local", "port": 2222, "user": "tesla", "path": "/srv/teslacam",
                        "timeout": 30 },
            "phone":  { "type": "webhook", "url": "https://ntfy.sh/my-car", "tokenEnv": "NTFY_TOKEN" },
            "stdout": { "type": "logger" } },
          "routes": { "sentry": ["nas", "backup", "phone"], "saved": ["nas"], "recent": ["nas"], "alerts": ["phone", "stdout"] },
          "upload": { "bandwidth": "4M", "whileRecording": "throttle", "retryInitial": 2, "retryMaximum": 600 } }
        """

    @Test func theDocumentedExampleLoads() throws {
        let config = try parse(Self.example)
        #expect(config.sinks?["nas"] == SinkSettings(type: .folder, path: "/mnt/nas/TeslaCam", prefix: "model3/",
                                                     bandwidth: ByteSize(bytes: 2 << 20)))
        #expect(config.sinks?["backup"]?.port == 2222)
        #expect(config.outboundRoutes.sinks(for: .sentry) == ["nas", "backup", "phone"])
        #expect(config.outboundRoutes.sinks(for: .track) == [])
        #expect(config.upload?.bandwidth == ByteSize(bytes: 4 << 20))
        #expect(config.upload?.whileRecording == .throttle)
        #expect(config.upload?.backoff == Backoff(initial: 2, maximum: 600))
        // Written back as read: the web UI round-trips the file.
        #expect(try Configuration.parse(config.encoded()) == config)
    }

    @Test func mistakesNameTheirKey() {
        #expect(message(#"{ "sinks": { "nas": { "type": "folder", "path": "/x", "url": "http://h" } } }"#)
                == "sinks.nas.url: unknown setting (known here: type, path, prefix, bandwidth); remove it or fix its spelling")
        #expect(message(#"{ "sinks": { "nas": { "type": "folder" } } }"#)
                == "sinks.nas.path: missing; a folder sink needs the folder to copy into")
        #expect(message(#"{ "sinks": { "nas": { "path": "/x" } } }"#)
                == "sinks.nas.type: missing; a sink needs a type: one of folder, rsync, webhook, logger, s3, webdav, dropbox, fleet")
        #expect(message(#"{ "sinks": { "cloud": { "type": "s4" } } }"#)
                == #"sinks.cloud.type: "s4" is not one of folder, rsync, webhook, logger, s3, webdav, dropbox, fleet"#)
        #expect(message(#"{ "sinks": { "nas": { "type": "folder", "path": "/x", "bandwidth": "2Q" } } }"#)
                == #"sinks.nas.bandwidth: "2Q" is not a rate in bytes per second (use e.g. 2M, 500K)"#)
        #expect(message(#"{ "sinks": { "b": { "type": "rsync", "host": "h", "path": "/p", "port": 70000 } } }"#)
                == "sinks.b.port: 70000 is not a whole number from 1 to 65535 (a TCP port)")
        #expect(message(#"{ "sinks": { "p": { "type": "webhook", "url": "ntfy.sh/x" } } }"#)
                == #"sinks.p.url: "ntfy.sh/x" is not an http:// or https:// URL"#)
        #expect(message(#"{ "sinks": { "nas": { "type": "folder", "path": "/x" } }, "routes": { "sentry": ["nas", "clod"] } }"#)
                == #"routes.sentry: "clod" is not a sink defined under "sinks" (nas)"#)
        #expect(message(#"{ "routes": { "sentry": ["nas"] } }"#)
                == #"routes.sentry: "nas" is not a sink defined under "sinks" (none is)"#)
        #expect(message(#"{ "sinks": { "nas": { "type": "folder", "path": "/x" } }, "routes": { "sentinel": ["nas"] } }"#)
                == "routes.sentinel: unknown setting (known here: recent, saved, sentry, track, alerts, telemetry); remove it or fix its spelling")
        #expect(message(#"{ "sinks": { "b": { "type": "rsync", "host": "h", "path": "/p" } }, "routes": { "alerts": ["b"] } }"#)
                == #"routes.alerts: "b" is not a sink that takes messages (webhook, logger, folder, s3, webdav or dropbox), not an rsync sink"#)
        #expect(message(#"{ "sinks": { "f": { "type": "fleet", "url": "http://ingest/files/", "certFile": "/c", "keyFile": "/k", "caFile": "/a" } } }"#)
                == #"sinks.f.url: "http://ingest/files/" is not an https:// URL (the fleet server speaks mutual TLS only)"#)
        #expect(message(#"{ "sinks": { "f": { "type": "fleet", "url": "https://ingest/files/", "certFile": "/c", "keyFile": "/k" } } }"#)
                == "sinks.f.caFile: missing; a fleet sink's mutual TLS (teslacam-ingest ca issue prints these lines)")
        #expect(message(#"{ "upload": { "whileRecording": "slow" } }"#)
                == #"upload.whileRecording: "slow" is not one of throttle, pause, full"#)
        #expect(message(#"{ "upload": { "bandwith": "4M" } }"#)
                == "upload.bandwith: unknown setting (known here: bandwidth, whileRecording, retryInitial, retryMaximum); remove it or fix its spelling")
        #expect(message(#"{ "sinks": { "nas": "folder" } }"#) == #"sinks.nas: "folder" is not an object { ... }"#)
    }

    @Test func secretsComeFromAFileOrTheEnvironmentAndAreNeverShown() throws {
        let scratch = NSTemporaryDirectory() + "teslacam-secret-\(UUID().uuidString)"
        try "tk_very_secret\n".write(toFile: scratch, atomically: true, encoding: .utf8)
        defer { unlink(scratch) }
        let fromFile = try parse(#"{ "sinks": { "p": { "type": "webhook", "url": "https://h/x", "tokenFile": "\#(scratch)" } } }"#)
        #expect(try SinkFactory.secret(fromFile.sinks!["p"]!, key: "sinks.p") == "tk_very_secret")
        // The settings (what gets logged or written back) hold the file's name, never the token.
        #expect(!String(decoding: try fromFile.encoded(), as: UTF8.self).contains("tk_very_secret"))
        let missing = try parse(#"{ "sinks": { "p": { "type": "webhook", "url": "https://h/x", "tokenEnv": "TESLACAM_NO_SUCH_VAR" } } }"#)
        #expect(throws: ConfigurationError.invalidValue(key: "sinks.p.tokenEnv", found: "\"TESLACAM_NO_SUCH_VAR\"",
                                                       expected: "an environment variable that is set (it is not, or empty)")) {
            try SinkFactory.setups(missing)
        }
        #expect(message(#"{ "sinks": { "p": { "type": "webhook", "url": "https://h/x", "tokenFile": "/a", "tokenEnv": "B" } } }"#)
                == #"sinks.p.tokenEnv: "B" is not given together with tokenFile: keep one of them"#)
    }

    @Test func s3SinksAreCheckedStrictly() throws {
        let scratch = NSTemporaryDirectory() + "teslacam-s3-secret-\(UUID().uuidString)"
        try "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".write(toFile: scratch, atomically: true, encoding: .utf8)
        defer { unlink(scratch) }
        let config = try parse(#"""
            { "sinks": { "cloud": { "type": "s3", "endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket": "my-teslacam",
                                    "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                                    "secretAccessKeyFile": "\#(scratch)", "prefix": "model3/", "bandwidth": "2M",
                                    "partSize": "16M" } },
              "routes": { "sentry": ["cloud"], "alerts": ["cloud"] } }
            """#)
        #expect(config.sinks?["cloud"]?.bucket == "my-teslacam")
        #expect(!String(decoding: try config.encoded(), as: UTF8.self).contains("EXAMPLEKEY"), "the secret stays in its file")
        #expect(try Configuration.parse(config.encoded()) == config)
        let setup = try #require(try SinkFactory.setups(config, state: "/var/lib/teslacam").first)
        let sink = try #require(setup.sink as? S3Sink)
        #expect(sink.partSize == 16 << 20)
        #expect(sink.resumeDirectory == "/var/lib/teslacam/sinks/cloud")
        #expect(setup.bytesPerSecond == Double(2 << 20))

        #expect(message(#"{ "sinks": { "c": { "type": "s3", "region": "eu-west-1", "accessKeyId": "A", "secretAccessKeyEnv": "S" } } }"#)
                == "sinks.c.bucket: missing; an s3 sink needs the bucket's name")
        #expect(message(#"{ "sinks": { "c": { "type": "s3", "bucket": "b", "region": "r", "accessKeyId": "A" } } }"#)
                == "sinks.c.secretAccessKeyFile: missing; an s3 sink needs its secret access key from a file (or secretAccessKeyEnv: a variable holding it)")
        #expect(message(#"{ "sinks": { "c": { "type": "s3", "bucket": "b", "region": "r", "accessKeyId": "A", "secretAccessKey": "x" } } }"#)
                == "sinks.c.secretAccessKey: a secret written into the config is not allowed: put it in a file named by "
                + "secretAccessKeyFile (mode 0600) or a variable named by secretAccessKeyEnv")
        #expect(message(#"{ "sinks": { "c": { "type": "s3", "bucket": "b", "region": "r", "accessKeyId": "A", "secretAccessKeyEnv": "S", "partSize": "1M" } } }"#)
                == "sinks.c.partSize: 1M is not between 5M and 5G (S3's limits for a part)")
        #expect(message(#"{ "sinks": { "c": { "type": "s3", "bucket": "b", "region": "r", "accessKeyId": "A", "secretAccessKeyEnv": "S", "addressing": "dns" } } }"#)
                == #"sinks.c.addressing: "dns" is not one of path, virtual"#)
        let unset = try parse(#"{ "sinks": { "c": { "type": "s3", "bucket": "b", "region": "r", "accessKeyId": "A", "secretAccessKeyEnv": "TESLACAM_NO_SUCH_VAR" } } }"#)
        #expect(throws: ConfigurationError.invalidValue(key: "sinks.c.secretAccessKeyEnv", found: "\"TESLACAM_NO_SUCH_VAR\"",
                                                       expected: "an environment variable that is set (it is not, or empty)")) {
            try SinkFactory.setups(unset)
        }
    }

    @Test func webdavSinksAreCheckedStrictly() throws {
        let scratch = NSTemporaryDirectory() + "teslacam-dav-secret-\(UUID().uuidString)"
        try "dav_very_secret\n".write(toFile: scratch, atomically: true, encoding: .utf8)
        defer { unlink(scratch) }
        let config = try parse(#"""
            { "sinks": { "share": { "type": "webdav", "url": "https://nas.local/dav", "user": "me",
                                    "passwordFile": "\#(scratch)", "prefix": "model3/" } },
              "routes": { "saved": ["share"], "alerts": ["share"] } }
            """#)
        #expect(!String(decoding: try config.encoded(), as: UTF8.self).contains("dav_very_secret"))
        #expect(try Configuration.parse(config.encoded()) == config)
        #expect(try SinkFactory.setups(config).first?.sink.type == "webdav")
        #expect(message(#"{ "sinks": { "s": { "type": "webdav", "url": "https://h/x", "password": "hunter2" } } }"#)
                == "sinks.s.password: a password written into the config is not allowed: put it in a file named by "
                + "passwordFile (mode 0600) or a variable named by passwordEnv")
        #expect(message(#"{ "sinks": { "s": { "type": "webdav", "url": "https://h/x", "passwordEnv": "P" } } }"#)
                == "sinks.s.user: missing; a password needs the user it belongs to")
        #expect(message(#"{ "sinks": { "s": { "type": "webdav" } } }"#)
                == "sinks.s.url: missing; a webdav sink needs the share's URL")
        #expect(message(#"{ "sinks": { "s": { "type": "webdav", "url": "nas.local" } } }"#)
                == #"sinks.s.url: "nas.local" is not an http:// or https:// URL"#)
    }

    @Test func dropboxSinksAreCheckedStrictly() throws {
        let scratch = NSTemporaryDirectory() + "teslacam-dropbox-secret-\(UUID().uuidString)"
        try "sl.refresh_very_secret\n".write(toFile: scratch, atomically: true, encoding: .utf8)
        defer { unlink(scratch) }
        let config = try parse(#"""
            { "sinks": { "box": { "type": "dropbox", "appKey": "abc123", "refreshTokenFile": "\#(scratch)",
                                  "prefix": "TeslaCam-model3", "chunkSize": "16M" } },
              "routes": { "sentry": ["box"], "alerts": ["box"] } }
            """#)
        #expect(!String(decoding: try config.encoded(), as: UTF8.self).contains("refresh_very_secret"))
        #expect(try Configuration.parse(config.encoded()) == config)
        let sink = try #require(try SinkFactory.setups(config, state: "/var/lib/teslacam").first?.sink as? DropboxSink)
        #expect(sink.chunkSize == 16 << 20 && sink.resumeDirectory == "/var/lib/teslacam/sinks/box")
        #expect(message(#"{ "sinks": { "b": { "type": "dropbox", "appKey": "k" } } }"#)
                == "sinks.b.refreshTokenFile: missing; a dropbox sink needs a refresh token from a file (or refreshTokenEnv: a variable holding it)")
        #expect(message(#"{ "sinks": { "b": { "type": "dropbox", "refreshTokenEnv": "T" } } }"#)
                == "sinks.b.appKey: missing; a dropbox sink needs its app's key (the Dropbox App Console shows it)")
        #expect(message(#"{ "sinks": { "b": { "type": "dropbox", "appKey": "k", "refreshTokenEnv": "T", "chunkSize": "5M" } } }"#)
                == "sinks.b.chunkSize: 5M is not a multiple of 4M from 4M to 148M (Dropbox's limits for a session's chunks)")
        #expect(message(#"{ "sinks": { "b": { "type": "dropbox", "appKey": "k", "refreshTokenEnv": "T", "token": "x" } } }"#)
                .hasPrefix("sinks.b.token: unknown setting"))
    }

    @Test func theFactoryBuildsEachType() throws {
        let setups = try SinkFactory.setups(try parse(#"""
            { "sinks": { "nas": { "type": "folder", "path": "/x", "prefix": "m3", "bandwidth": "1M" },
                         "b": { "type": "rsync", "host": "h", "path": "/p" }, "log": { "type": "logger" } } }
            """#))
        #expect(setups.map(\.sink.type) == ["rsync", "logger", "folder"])
        #expect(setups.last?.bytesPerSecond == 1_048_576)
        #expect(setups.last?.prefix == "m3")
    }
}
