import Foundation
import Outbound
import Synchronization

/// Writes each record as one JSON line on standard output (Fleet Telemetry's logger dispatcher): for watching
/// what flows, or for another program to read. The daemon's own log goes to standard error.
public struct LoggerSink: Sink {
    public let name: String
    public var type: String { "logger" }
    private let write: @Sendable (String) -> Void

    public init(name: String, write: (@Sendable (String) -> Void)? = nil) {
        self.name = name
        self.write = write ?? { line in Self.standardOutput.withLock { _ in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        } }
    }

    private static let standardOutput = Mutex(())

    public func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
        let line = String(decoding: RecordMessage.json(RecordMessage.fields(record, sink: name)), as: UTF8.self)
        try transfer.pace(line.utf8.count)
        write(line)
    }

    public func check() throws(SinkError) {}
}
