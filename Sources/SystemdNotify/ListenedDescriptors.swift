/// The descriptors systemd passes a service (sd_listen_fds(3)): `$LISTEN_FDS` of them from 3 on, named by
/// `$LISTEN_FDNAMES`, meant for the process `$LISTEN_PID`. For TeslaCam, the /dev/fuse connection systemd's fd
/// store kept across a crash (`FDNAME=fuse`).
///
/// Pure: parsing the environment, no descriptors touched.
public struct ListenedDescriptors: Equatable, Sendable {
    public static let first: Int32 = 3
    /// Name → descriptor; a descriptor systemd did not name is "unknown", as sd_listen_fds_with_names(3) says.
    public let named: [String: Int32]

    public init(named: [String: Int32]) { self.named = named }

    /// nil when nothing was passed or it was meant for another process (a child inheriting the environment).
    public init?(environment: [String: String], processID: Int32) {
        guard let count = environment["LISTEN_FDS"].flatMap({ Int32($0) }), count > 0, count < 1024,
              let pid = environment["LISTEN_PID"].flatMap({ Int32($0) }), pid == processID else { return nil }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        var named: [String: Int32] = [:]
        for index in 0 ..< count {
            let name = Int(index) < names.count && !names[Int(index)].isEmpty ? names[Int(index)] : "unknown"
            if named[name] == nil { named[name] = Self.first + index }
        }
        self.named = named
    }

    /// The variables to remove once read, so the tools the daemon runs do not take the descriptors for theirs.
    public static let variables = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]
}
