import Foundation
import Glibc

/// ssh's connection sharing for the rsync sink: each file costs three ssh runs (the already-there check, rsync,
/// the verification), and each run alone would pay a whole key exchange (0.1 s of CPU and 0.2 s on loopback here,
/// several times that on a Pi Zero over Wi-Fi). The first run becomes the master and stays a minute after the last
/// one; the others go through its socket. A dead master's socket is noticed by ssh, which then connects anew.
enum SSHConnectionSharing {
    /// The folder of the masters' sockets: private to this user, made once. nil (no sharing, every run connects on
    /// its own) when it cannot be made so, say someone else created it first in the shared /tmp.
    static let socketDirectory: String? = {
        let path = "/tmp/teslacam-ssh-\(getuid())"
        if mkdir(path, 0o700) != 0 && errno != EEXIST { return nil }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
              info.st_mode & 0o077 == 0 else { return nil }
        return path
    }()

    /// The options that share one connection per host, port, user (`%C`, a hash of them, keeps the path short) and
    /// `credentials` (the key and known hosts: a sink given another key must not ride on a master the right key made).
    static func options(idleSeconds: Int, credentials: String) -> [String] {
        guard let socketDirectory else { return [] }
        return ["-o", "ControlMaster=auto", "-o", "ControlPath=\(socketDirectory)/%C-\(fnv1a(credentials))",
                "-o", "ControlPersist=\(idleSeconds)"]
    }

    /// FNV-1a, 64 bits, in hex: the same in every process (Swift's own hashes are seeded per process).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
