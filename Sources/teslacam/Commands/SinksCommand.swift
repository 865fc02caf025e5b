import ArgumentParser
import Catalog
import Foundation
import Outbound
import Sinks
import Volume

/// `teslacam sinks`: the upload queue for an operator's shell, through the same `SinkControl` the web UI uses.
struct SinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sinks",
        abstract: "List sinks with their queues; enable, disable, retry, test or check them; log in to Dropbox.",
        subcommands: [List.self, Enable.self, Disable.self, Retry.self, Test.self, Check.self, Login.self],
        defaultSubcommand: List.self,
        aliases: ["sink"])

    /// What every subcommand needs: the state's catalog and the config's sinks.
    struct Where: ParsableArguments {
        @Option(help: "State directory.") var state: String?
        @Option(help: "JSON config file (its sinks and routes).") var config: String?
        @OptionGroup var common: CommonOptions

        func control() throws -> SinkControl {
            let file = try config.map { path throws(ConfigurationError) in try Configuration.load(from: path) } ?? Configuration()
            guard let statePath = state ?? file.state else { throw ConfigurationError.missing(setting: "state") }
            let directory = StateDirectory(path: statePath)
            try directory.check()
            guard FileManager.default.fileExists(atPath: directory.catalogPath) else {
                throw CommandFailure("\(statePath) has no catalog yet: run `teslacam run` first")
            }
            let catalog = try ClipCatalog(path: directory.catalogPath, archiveRoot: file.archive ?? "",
                                          logger: common.makeLogger(configured: file.logLevel?.rawValue),
                                          routes: file.outboundRoutes)
            return SinkControl(catalog: catalog, sinks: try SinkFactory.setups(file, state: statePath).map(\.sink))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Each sink: queue depth by kind, bytes sent, last success, last error.")
        @OptionGroup var place: Where

        func run() throws {
            let control = try place.control()
            if control.sinks.isEmpty { print("no sinks configured (see \"sinks\" and \"routes\" in the config)") }
            let now = Date().timeIntervalSince1970
            for (sink, summary) in zip(control.sinks, try control.status()) {
                print(SinkReport.lines(sink: sink, summary: summary, now: now).joined(separator: "\n"))
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a sink upload again (a running daemon sees it within a second).")
        @Argument(help: "The sink's name in the config.") var name: String
        @OptionGroup var place: Where
        func run() throws {
            try place.control().setEnabled(name, true)
            print("\(name): enabled")
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a sink from uploading; its jobs wait (and retention keeps their files).")
        @Argument(help: "The sink's name in the config.") var name: String
        @OptionGroup var place: Where
        func run() throws {
            try place.control().setEnabled(name, false)
            print("\(name): disabled; its jobs wait until `teslacam sinks enable \(name)`")
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear a sink stopped by a permanent error and make its waiting jobs due now.")
        @Argument(help: "The sink's name in the config.") var name: String
        @OptionGroup var place: Where
        func run() throws {
            let due = try place.control().retry(name)
            print("\(name): \(due) job\(due == 1 ? "" : "s") due now")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reach a sink with a tiny object of its own (credentials, reachability) and say what is wrong.")
        @Argument(help: "The sink's name in the config.") var name: String
        @OptionGroup var place: Where
        func run() throws {
            let control = try place.control()
            if let problem = try control.test(name) {
                throw CommandFailure("\(name): \(problem.isPermanent ? "does not work" : "not reachable now"): \(problem)")
            }
            print("\(name): works")
        }
    }
}

extension SinksCommand {
    /// `teslacam sinks check [NAME]`: each configured sink tried online; needs the config only (no catalog).
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Try each configured sink (or NAME) online: reachable, credentials accepted, a probe written and removed.",
            discussion: "One sentence per sink; the exit status is 1 when any sink fails.")
        @Argument(help: "Only this sink.") var name: String?
        @Option(help: "JSON config file (its sinks).") var config: String
        @Option(help: "State directory (where resumable uploads keep their progress); the config's when not given.")
        var state: String?

        func run() throws {
            let file = try Configuration.load(from: config)
            let sinks = try SinkFactory.setups(file, state: state ?? file.state).map(\.sink)
            if sinks.isEmpty { throw CommandFailure("no sinks configured in \(config) (see \"sinks\" in the config)") }
            var failed = 0
            for result in try SinkCheck.all(sinks, only: name) {
                print(result.sentence)
                if !result.works { failed += 1 }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// `teslacam sinks login NAME`: Dropbox's PKCE authorisation, the refresh token saved where the config says.
    struct Login: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise a dropbox sink: prints a URL to open, reads the code Dropbox shows, saves the refresh token (mode 0600).")
        @Argument(help: "The dropbox sink's name in the config.") var name: String
        @Option(help: "JSON config file (the sink's appKey and refreshTokenFile).") var config: String
        @Option(name: .customLong("authorize-url"), help: "Dropbox's authorize page (default: the sink's authorizeURL, else Dropbox's own).")
        var authorizeURL: String?
        @Option(help: "The code Dropbox showed; read from standard input when not given.") var code: String?

        func run() throws {
            let file = try Configuration.load(from: config)
            _ = try DropboxLogin.run(file, name: name, authorizeEndpoint: authorizeURL,
                                     readCode: { code ?? readLine(strippingNewline: true) }, say: { print($0) })
        }
    }
}

/// A sink's status in words.
enum SinkReport {
    static func lines(sink: any Sink, summary: SinkSummary, now: Double) -> [String] {
        let status = summary.status
        let state = status.stopped != nil ? "STOPPED" : status.enabled ? "enabled" : "disabled"
        let depth = RecordKind.allCases.compactMap { kind in summary.depth[kind].map { "\(kind.rawValue) \($0)" } }
        var lines = ["\(sink.name) (\(sink.type)): \(state)"]
        lines.append("  queued: \(summary.totalDepth)" + (depth.isEmpty ? "" : " (\(depth.joined(separator: ", ")))")
            + (summary.oldestPendingAt.map { ", oldest \(Wording.age(seconds: Int64(now - $0))) old" } ?? ""))
        lines.append("  sent: \(Wording.bytes(UInt64(max(0, status.sentBytes)))) in \(status.delivered) deliveries")
        lines.append("  last success: " + (status.lastSuccessAt.map { "\(Wording.age(seconds: Int64(now - $0))) ago" } ?? "never"))
        if let stopped = status.stopped {
            lines.append("  stopped because: \(stopped)")
            lines.append("  fix it, then: teslacam sinks retry \(sink.name)")
        } else if let error = status.lastError {
            lines.append("  last error (\(status.lastErrorAt.map { "\(Wording.age(seconds: Int64(now - $0))) ago" } ?? "")): \(error)")
        }
        return lines
    }
}
