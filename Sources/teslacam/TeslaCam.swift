import ArgumentParser
import Logging

@main
struct TeslaCam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teslacam",
        abstract: "Be a Tesla's USB drive and harvest every clip as the car writes it.",
        subcommands: [FormatCommand.self, RunCommand.self, RetentionCommand.self, SinksCommand.self, InspectCommand.self, TraceCommand.self, SimulateCommand.self, ClipsCommand.self, TelemetryCommand.self, DrivesCommand.self, RepairCommand.self, BenchCommand.self, PasswdCommand.self]
    )
}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    func makeLogger(label: String = "teslacam", configured: String? = nil) -> Logger {
        LoggingBootstrap.once
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel ?? configured ?? "info") ?? .info
        return logger
    }
}

enum LoggingBootstrap {
    static let once: Void = LoggingSystem.bootstrap(StreamLogHandler.standardError)
}
