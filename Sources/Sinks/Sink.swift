import Outbound

/// A place records go. Each call runs on the sink's own thread; a sink keeps no state between calls that the
/// queue does not hold, so a restart loses nothing.
public protocol Sink: Sendable {
    /// The config's name for it (`sinks.<name>`).
    var name: String { get }
    /// What kind of peer it is, for status lines (`folder`, `rsync`, ...).
    var type: String { get }
    /// Delivers one record and returns once the peer's copy is verified (for files: the same size and sha256
    /// as `record.sha256`). Bytes go through `transfer`, which paces them and notices a stopping daemon.
    /// Delivering what the peer already has verifies it and succeeds without sending it again.
    func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError)
    /// `teslacam sinks test`: reaches the peer with a tiny object of its own and removes it again.
    func check() throws(SinkError)
    /// The host and port the sink talks to, for the online check; nil: always tried (a folder, stdout).
    var peer: PeerAddress? { get }
}

extension Sink {
    public var peer: PeerAddress? { nil }
}

/// A record on its way out, as a sink sees it.
public struct OutgoingRecord: Sendable, Equatable {
    public var kind: RecordKind
    public var content: Content

    public enum Content: Sendable, Equatable {
        /// An archive file: `source` is its absolute path (opened read-only), `remoteName` where it goes
        /// (the archive path under the sink's prefix).
        case file(archivePath: String, source: String, remoteName: String, sha256: String, size: Int64)
        /// An alert: a JSON object's text.
        case message(String)
    }

    public init(kind: RecordKind, content: Content) {
        self.kind = kind
        self.content = content
    }
}
