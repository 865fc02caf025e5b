import FUSEMount
import Logging
import ServiceLifecycle

/// The car's drive as a service: mounts volume.img (or takes the connection over), says it is ready, serves until
/// its turn of the shutdown, then unmounts, or keeps the connection for a reload. A connection ended from outside
/// (unmounted) asks the group to shut down and still waits for its turn, so the order holds.
struct VolumeService: Service, CustomStringConvertible {
    let mount: FUSEMount
    let inherited: Int32?
    let intent: ShutdownIntent
    let logger: Logger
    let onConnected: @Sendable (Int32) -> Void
    let onReady: @Sendable () -> Void
    /// How serving ended, once it has.
    let end = Latch<ServingEnd>()
    var description: String { "FUSE" }

    private enum Wake: Sendable { case shutdown, connectionEnded }

    func run() async throws {
        let wake = Latch<Wake>()
        let session = try await OffPool.run("teslacam-mount") { [mount, inherited, onConnected] in
            try mount.start(inherited: inherited, onConnected: onConnected,
                            onConnectionEnded: { wake.fire(.connectionEnded) })
        }
        onReady()
        let first = await withTaskCancellationOrGracefulShutdownHandler {
            await wake.wait()
        } onCancelOrGracefulShutdown: {
            wake.fire(.shutdown)
        }
        if first == .connectionEnded {
            logger.warning("the FUSE connection ended (unmounted from outside?)")
            await intent.request(.connectionEnded)
            try? await gracefulShutdown()
        }
        let reload = intent.reason == .reload
        let ended = await OffPool.value("teslacam-unmount") { session.end(keepForReload: reload) }
        logger.notice(reload ? "shutdown: FUSE stopped reading, the connection kept for the reload"
                             : "shutdown: FUSE unmounted")
        end.fire(ended)
    }
}
