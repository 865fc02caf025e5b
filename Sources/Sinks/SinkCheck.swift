import Foundation
import Outbound

/// The outcome of `teslacam sinks check`: one sink reached online with a probe of its own (reachable, credentials
/// accepted, and for the sinks that store files a small probe written, read back and removed), in a sentence.
public struct SinkCheck: Sendable {
    public var name: String
    public var type: String
    /// nil when the sink works.
    public var problem: SinkError?
    public var seconds: Double

    public var works: Bool { problem == nil }

    /// Runs the sink's own check and times it.
    public static func run(_ sink: any Sink) -> SinkCheck {
        let started = Date()
        var problem: SinkError?
        do { try sink.check() } catch { problem = error }
        return SinkCheck(name: sink.name, type: sink.type, problem: problem, seconds: Date().timeIntervalSince(started))
    }

    /// Every sink in turn, or only the one named (which must be configured).
    public static func all(_ sinks: [any Sink], only name: String? = nil) throws(SinkControl.Failure) -> [SinkCheck] {
        guard let name else { return sinks.map(run) }
        guard let sink = sinks.first(where: { $0.name == name }) else {
            throw .unknownSink(name, known: sinks.map(\.name))
        }
        return [run(sink)]
    }

    /// What was proven, per type: what an owner can rely on when this says "works".
    static func proven(type: String) -> String {
        switch type {
        case "webhook": "the endpoint accepted a test notification"
        case "logger": "it writes JSON lines to standard output"
        case "fleet": "the ingest server accepted this board's certificate and speaks tus"
        case "folder": "the folder is there and a test file was written, read back and removed"
        default: "reachable, credentials accepted, a test file written, read back and removed"
        }
    }

    public var sentence: String {
        let time = String(format: "%.2f s", seconds)
        guard let problem else { return "\(name) (\(type)): works: \(Self.proven(type: type)) (\(time))" }
        if problem.isPermanent {
            return "\(name) (\(type)): DOES NOT WORK: \(problem). Fix it, then run `teslacam sinks check \(name)` again"
        }
        return "\(name) (\(type)): NOT REACHABLE NOW: \(problem). Uploads wait and retry by themselves"
    }
}
