import ArgumentParser
import Foundation
import Ingest
import IngestServer
import Logging

@main
struct TeslaCamIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teslacam-ingest",
        abstract: "The fleet ingest server: boards upload clips over tus and mutual TLS; S3 stores, PostgreSQL catalogues.",
        subcommands: [Serve.self, CheckConfig.self, CA.self, Check.self, Bench.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tus uploads (the default).")

    @Option(help: "The ingest config (JSON).") var config: String = "/etc/teslacam-ingest/ingest.json"

    func run() async throws {
        let loaded: IngestConfig
        do { loaded = try IngestConfig.load(file: config) } catch {
            throw ValidationError("\(config): \(error)")
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "teslacam-ingest")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        logger.info("teslacam-ingest on \(loaded.host):\(loaded.port), bucket \(loaded.storage.bucket)")
        do { try await IngestServer(config: loaded).run(logger: logger) } catch {
            logger.critical("teslacam-ingest cannot serve: \(error)")
            throw ExitCode(1)
        }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a config and say what it sets.")

    @Option(help: "The ingest config (JSON).") var config: String = "/etc/teslacam-ingest/ingest.json"

    func run() throws {
        let loaded: IngestConfig
        do { loaded = try IngestConfig.load(file: config) } catch { throw ValidationError("\(config): \(error)") }
        print("\(config): valid. Listening on \(loaded.host):\(loaded.port); storage s3 \(loaded.storage.endpoint) bucket \(loaded.storage.bucket); "
              + "devices \(loaded.allow.map { $0.joined(separator: ", ") } ?? "any the CA signed").")
    }
}
