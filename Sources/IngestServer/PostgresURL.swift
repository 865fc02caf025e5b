import Foundation
import PostgresNIO

/// `postgres://user[:password]@host[:port]/database`, and libpq's `?host=/run/postgresql` for a Unix socket
/// folder (the socket is `<folder>/.s.PGSQL.<port>`).
enum PostgresURL {
    struct Invalid: Error, CustomStringConvertible { var description: String }

    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let user = url.user, !user.isEmpty else {
            throw Invalid(description: "catalog.postgres \"\(text)\" is not postgres://user@host/database")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let port = url.port ?? 5432
        let password = url.password?.removingPercentEncoding
        if let socketFolder = url.queryItems?.first(where: { $0.name == "host" })?.value, socketFolder.hasPrefix("/") {
            return .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password,
                         database: database.isEmpty ? nil : database)
        }
        guard let host = url.host, !host.isEmpty else {
            throw Invalid(description: "catalog.postgres \"\(text)\" names no host (or ?host=/socket/folder)")
        }
        let tls: PostgresClient.Configuration.TLS = url.queryItems?.contains(where: { $0.name == "sslmode" && $0.value == "require" }) == true
            ? .require(.makeClientConfiguration()) : .disable
        return .init(host: host, port: port, username: user, password: password, database: database.isEmpty ? nil : database, tls: tls)
    }
}
