import Logging
import ServiceLifecycle
import UnixSignals

/// A part of the daemon that `run` started before the group (in the order it sets things up) and that only has to
/// be stopped at its turn: the group shuts its services down one at a time, the last one first, each finished before
/// the next is told. Cancellation (a service failed) stops it too.
struct StopStep: Service, CustomStringConvertible {
    let description: String
    let stop: @Sendable () -> Void

    init(_ name: String, stop: @escaping @Sendable () -> Void) {
        description = name
        self.stop = stop
    }

    func run() async throws {
        try? await gracefulShutdown()
        await OffPool.perform("teslacam-stop-\(description)", stop)
    }
}

/// Listens for SIGHUP while the daemon runs: a reload, asked of the whole group.
struct HangupService: Service, CustomStringConvertible {
    let intent: ShutdownIntent
    var description: String { "reload on SIGHUP" }

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            await intent.request(.reload)
            break
        }
        // Returning before the group tells this service would end the group early: wait for that turn.
        try? await gracefulShutdown()
    }
}
