import Foundation
import Glibc
import Outbound

/// Runs a tool (rsync, ssh) to completion, its output collected in temporary files (no pipe can fill up and
/// stall it); a stopping daemon or a timeout ends it.
struct ExternalCommand {
    var executable: String
    var arguments: [String]

    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    func run(transfer: Transfer? = nil, timeout: Double? = nil) throws(SinkError) -> Outcome {
        let base = NSTemporaryDirectory() + "teslacam-\(UUID().uuidString)"
        let outputPath = base + ".out", errorsPath = base + ".err"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              FileManager.default.createFile(atPath: errorsPath, contents: nil),
              let output = FileHandle(forWritingAtPath: outputPath), let errors = FileHandle(forWritingAtPath: errorsPath)
        else { throw .transient("cannot create temporary files in \(NSTemporaryDirectory())") }
        defer {
            try? output.close()
            try? errors.close()
            unlink(outputPath)
            unlink(errorsPath)
        }
        // posix_spawn and waitpid rather than Foundation's Process: its exit monitor was seen to leave a
        // finished child unreaped (waitUntilExit never returned) on a thread of our own.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.fileDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.fileDescriptor, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // `teslacam run` blocks SIGINT, SIGTERM and SIGHUP in its threads (its service group reads them from a
        // signalfd) and a child inherits the mask: the tool starts with none blocked, so SIGTERM still ends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty); sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw .permanent("cannot run \(executable): \(String(cString: strerror(spawned))) (is it installed?)")
        }
        // Only the process started here is ended, by its own id.
        let child = pid
        transfer?.onCancel { _ = kill(child, SIGTERM) }
        defer { transfer?.onCancel(nil) }
        let watchdog = DispatchWorkItem { _ = kill(child, SIGTERM) }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        watchdog.cancel()
        // Exit status, or 128 + the signal that ended it, as a shell reports it.
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Outcome(status: exit, output: read(outputPath), errors: read(errorsPath))
    }
}
