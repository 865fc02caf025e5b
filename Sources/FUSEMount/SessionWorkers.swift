import CFuse
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The threads that read requests from /dev/fuse and answer them, each receiving into its own journal slot.
/// Stopping lets each finish the request it holds; requests still queued in the kernel wait there for the next
/// process (a reload) or end with the mount.
final class SessionWorkers: @unchecked Sendable {
    private let session: OpaquePointer
    private let journal: RequestJournal
    private let initRecord: InitRecord
    private let exiting = Atomic<Bool>(false)
    private let threads = Mutex<[pthread_t]>([])
    private let running = Atomic<Int>(0)
    private let onConnectionEnded: @Sendable () -> Void
    private let logger: Logger
    /// A priority problem is said once, not by every worker.
    private let priorityProblemSaid = Atomic<Bool>(false)

    /// `onConnectionEnded`: the connection went away under the workers (unmounted from outside), not by `stop`.
    init(session: OpaquePointer, journal: RequestJournal, initRecord: InitRecord, logger: Logger,
         onConnectionEnded: @escaping @Sendable () -> Void) {
        self.session = session
        self.logger = logger
        self.journal = journal
        self.initRecord = initRecord
        self.onConnectionEnded = onConnectionEnded
        for slot in 0 ..< journal.slotCount {
            running.add(1, ordering: .sequentiallyConsistent)
            let box = Unmanaged.passRetained(WorkerBox(workers: self, slot: slot)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { arg in
                let box = Unmanaged<WorkerBox>.fromOpaque(arg!).takeRetainedValue()
                box.workers.serve(slot: box.slot)
                return nil
            }, box)
            if rc == 0 { threads.withLock { $0.append(thread) } } else { running.subtract(1, ordering: .sequentiallyConsistent) }
        }
    }

    private final class WorkerBox {
        let workers: SessionWorkers
        let slot: Int
        init(workers: SessionWorkers, slot: Int) { self.workers = workers; self.slot = slot }
    }

    private func serve(slot: Int) {
        defer { running.subtract(1, ordering: .sequentiallyConsistent) }
        StopSignals.maskForWorker()
        if let problem = CarPathPriority.adopt(threadName: "teslacam-fuse"),
           !priorityProblemSaid.exchange(true, ordering: .sequentiallyConsistent) {
            logger.warning("\(problem)")
        }
        var buf = fuse_buf()
        while !exiting.load(ordering: .sequentiallyConsistent) {
            journal.arm(slot)
            // Checked after arming: the stopper pokes only threads that are (about to be) reading.
            if exiting.load(ordering: .sequentiallyConsistent) { break }
            buf = fuse_buf(size: journal.bufferSize, flags: fuse_buf_flags(rawValue: 0), mem: journal.buffer(slot),
                           fd: -1, pos: 0)
            let res = fuse_session_receive_buf(session, &buf)
            if res == -EINTR || res == -EAGAIN { continue }
            guard res > 0 else {
                // 0: the connection is gone (unmounted, or aborted); below 0: an error libfuse printed.
                journal.set(slot, .idle)
                if !exiting.load(ordering: .sequentiallyConsistent) { onConnectionEnded() }
                return
            }
            journal.set(slot, .received)
            if buf.mem.load(fromByteOffset: 4, as: UInt32.self) == FUSEOpcode.initialize {
                initRecord.save(UnsafeRawBufferPointer(start: buf.mem, count: buf.size))
            }
            fuse_session_process_buf(session, &buf)
            journal.set(slot, .idle)
        }
        journal.set(slot, .idle)
    }

    /// Returns once every worker has finished the request it held and stopped reading.
    func stop() {
        exiting.store(true, ordering: .sequentiallyConsistent)
        let all = threads.withLock { $0 }
        while running.load(ordering: .sequentiallyConsistent) > 0 {
            // A thread blocked in read(2) returns EINTR; one busy with a request finishes it first.
            for (slot, thread) in all.enumerated() where journal.state(slot) == .reading {
                pthread_kill(thread, StopSignals.poke)
            }
            usleep(2000)
        }
        for thread in all { pthread_join(thread, nil) }
    }
}

/// The opcodes the daemon looks at itself (linux/fuse.h).
enum FUSEOpcode {
    static let forget: UInt32 = 2
    static let write: UInt32 = 16
    static let initialize: UInt32 = 26
    static let interrupt: UInt32 = 36
    static let destroy: UInt32 = 38
    static let batchForget: UInt32 = 42
}
