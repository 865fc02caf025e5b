import Foundation
import Outbound

/// Where a Dropbox sink finds its refresh token. A file is read at each refresh of the access token, not once at
/// start: a sink configured before the owner linked Dropbox (from the web UI or `teslacam sinks login`) starts
/// "not linked" rather than stopping the daemon, and takes the token up as soon as it is saved, without a restart.
public enum DropboxRefreshToken: Sendable, Equatable {
    case value(String)
    /// The file's first line; `sink` names the sink in what the owner is told to run.
    case file(String, sink: String)

    public func current() throws(SinkError) -> String {
        switch self {
        case let .value(token): return token
        case let .file(path, sink):
            let token = FileManager.default.contents(atPath: path)
                .flatMap { String(decoding: $0, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) } ?? ""
            guard !token.isEmpty else {
                throw .permanent("not linked to Dropbox yet (no refresh token in \(path)): press Link Dropbox in the web UI's "
                                 + "Settings, or run `teslacam sinks login \(sink) --config ...` on the board")
            }
            return token
        }
    }

    /// Whether a token is there to use (a file that holds one, or a value).
    public var isLinked: Bool { (try? current()) != nil }
}
