import Catalog
import Foundation
import Logging
import Outbound
import Synchronization

/// A configured sink and how its traffic is shaped.
public struct SinkSetup: Sendable {
    public var sink: any Sink
    /// Remote names are archive paths under this prefix.
    public var prefix: String
    /// The sink's own bandwidth limit (bytes per second); nil: only the overall one.
    public var bytesPerSecond: Double?

    public init(sink: any Sink, prefix: String = "", bytesPerSecond: Double? = nil) {
        self.sink = sink
        self.prefix = prefix
        self.bytesPerSecond = bytesPerSecond
    }
}

/// Works the durable queue: one thread per sink takes that sink's most urgent due job, delivers it, and
/// acknowledges it once the sink verified the copy. Transient failures back off (Retry-After first), failures in
/// a row open the sink's circuit breaker, a permanent failure stops the sink with its reason as status (and an
/// alert) until an owner retries it. Files are read from the archive read-only.
public final class Uploader: Sendable {
    public struct Policy: Sendable {
        public var backoff: Backoff
        public var breaker: CircuitBreaker
        /// How often an idle sink looks for new jobs (and for a switch flipped by `teslacam sinks`).
        public var pollInterval: Double
        /// How often a sink whose peer is away asks it again (the board coming home on Wi-Fi).
        public var offlineInterval: Double

        public init(backoff: Backoff = .standard, breaker: CircuitBreaker = CircuitBreaker(), pollInterval: Double = 1,
                    offlineInterval: Double = 15) {
            self.backoff = backoff
            self.breaker = breaker
            self.pollInterval = pollInterval
            self.offlineInterval = offlineInterval
        }
    }

    private let catalog: ClipCatalog
    private let setups: [SinkSetup]
    private let archiveRoot: String
    private let throttle: Throttle
    private let policy: Policy
    private let logger: Logger
    private let running = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)
    private let threads = Mutex<[DispatchSemaphore]>([])
    private let wake = Mutex<[String: DispatchSemaphore]>([:])
    private let transfers = Mutex<[String: Transfer]>([:])
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let counters = Mutex<[String: Counters]>([:])
    /// Each sink's own bandwidth limit, shared by its deliveries.
    private let sinkLimits: [String: Throttle]
    /// Whether each sink's peer is reachable (the online check), for status pages too.
    public let reachability = SinkReachability()

    /// What a sink did since the daemon started.
    public struct Counters: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var sentBytes: Int64 = 0
        /// Of `sentBytes`, those of deliveries that failed (sent again later).
        public var failedBytes: Int64 = 0
        public var deliveredBytes: Int64 { sentBytes - failedBytes }

        public init() {}
    }

    public init(catalog: ClipCatalog, sinks: [SinkSetup], archiveRoot: String, throttle: Throttle,
                policy: Policy = Policy(), logger: Logger) {
        self.catalog = catalog
        setups = sinks
        self.archiveRoot = archiveRoot
        self.throttle = throttle
        self.policy = policy
        self.logger = logger
        sinkLimits = Dictionary(sinks.compactMap { setup in setup.bytesPerSecond.map { (setup.sink.name, Throttle.limit($0)) } },
                                uniquingKeysWith: { first, _ in first })
    }

    /// Starts one thread per sink.
    public func start() {
        guard !running.exchange(true, ordering: .relaxed) else { return }
        for setup in setups {
            let done = DispatchSemaphore(value: 0)
            let bell = DispatchSemaphore(value: 0)
            threads.withLock { $0.append(done) }
            wake.withLock { $0[setup.sink.name] = bell }
            breakers.withLock { $0[setup.sink.name] = policy.breaker }
            let thread = Thread { [self] in
                work(setup, bell: bell)
                done.signal()
            }
            thread.name = "teslacam-sink-\(setup.sink.name)"
            thread.start()
        }
    }

    /// Ends the deliveries under way (an external tool is ended, a copy stops at its next chunk) and returns
    /// once every sink's thread has finished. Jobs cut short stay pending: the next start takes them up again.
    public func stop() {
        let first = finished.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first, running.exchange(false, ordering: .relaxed) else { return }
        transfers.withLock { $0.values.forEach { $0.cancel() } }
        wake.withLock { $0.values.forEach { $0.signal() } }
        for done in threads.withLock({ $0 }) { done.wait() }
    }

    /// Makes idle sinks look at the queue now (new jobs, a switch flipped).
    public func poke() { wake.withLock { $0.values.forEach { $0.signal() } } }

    public var statistics: [String: Counters] { counters.withLock { $0 } }

    /// A sink's circuit breaker as it is now (for status pages).
    public func breaker(_ sink: String) -> CircuitBreaker? { breakers.withLock { $0[sink] } }

    private var isRunning: Bool { running.load(ordering: .relaxed) }

    private func work(_ setup: SinkSetup, bell: DispatchSemaphore) {
        let name = setup.sink.name
        while isRunning {
            let pause = step(setup)
            guard isRunning else { break }
            if let pause { _ = bell.wait(timeout: .now() + .milliseconds(Int(max(0.01, pause) * 1000))) }
        }
        logger.debug("sink stopped", metadata: ["sink": "\(name)"])
    }

    /// Handles at most one job; returns how long to rest before the next step (nil: go on at once).
    private func step(_ setup: SinkSetup) -> Double? {
        let sink = setup.sink
        let now = Date().timeIntervalSince1970
        let job: UploadJob
        do {
            let status = try catalog.sinkStatus(sink.name)
            guard status.enabled, status.stopped == nil else { return policy.pollInterval }
            let allowed = breakers.withLock { $0[sink.name]!.allows(now: now) }
            guard allowed else {
                let reopens = breakers.withLock { $0[sink.name]?.reopensAt } ?? now + policy.pollInterval
                return min(policy.pollInterval, max(0, reopens - now))
            }
            guard let next = try catalog.nextJob(sink: sink.name, now: now) else {
                let due = try catalog.nextDueTime(sink: sink.name).map { max(0, $0 - now) } ?? policy.pollInterval
                return min(policy.pollInterval, due)
            }
            job = next
            if let pause = awayPause(sink, now: now) { return pause }
        } catch {
            logger.error("the upload queue cannot be read", metadata: ["sink": "\(sink.name)", "error": "\(error)"])
            return policy.pollInterval
        }
        deliver(job, with: setup)
        return nil
    }

    /// The online check, before a job is tried: a peer that does not answer is "away", the job untouched (no
    /// attempt, no backoff, no breaker), asked again every `offlineInterval`. Nil: go ahead.
    private func awayPause(_ sink: any Sink, now: Double) -> Double? {
        guard let peer = sink.peer else { return nil }
        if reachability.needsProbe(sink.name, now: now, interval: policy.offlineInterval) {
            let failure = peer.probe()
            if reachability.record(sink.name, failure: failure, now: Date().timeIntervalSince1970) {
                if let failure {
                    logger.notice("sink offline: its peer does not answer, uploads wait until it does",
                                  metadata: ["sink": "\(sink.name)", "peer": "\(peer)", "reason": "\(failure)"])
                } else {
                    logger.notice("sink online again", metadata: ["sink": "\(sink.name)", "peer": "\(peer)"])
                }
            }
        }
        return reachability.offline(sink.name) == nil ? nil : policy.offlineInterval
    }

    private func record(for job: UploadJob, prefix: String) -> OutgoingRecord? {
        if let path = job.path, let sha256 = job.sha256 {
            return OutgoingRecord(kind: job.kind, content: .file(
                archivePath: path, source: archiveRoot + "/" + path,
                remoteName: RemoteName.of(archivePath: path, prefix: prefix), sha256: sha256, size: job.size))
        }
        return job.payload.map { OutgoingRecord(kind: job.kind, content: .message($0)) }
    }

    private func deliver(_ job: UploadJob, with setup: SinkSetup) {
        let sink = setup.sink
        let transfer = Transfer(sinkLimit: sinkLimits[sink.name], throttle: throttle,
                                stopping: { [weak self] in !(self?.isRunning ?? false) })
        transfers.withLock { $0[sink.name] = transfer }
        defer { transfers.withLock { $0[sink.name] = nil } }
        let what = job.path ?? "an alert"
        let started = Date().timeIntervalSince1970
        do {
            guard let record = record(for: job, prefix: setup.prefix) else {
                throw SinkError.permanent("job \(job.id ?? 0) names neither a file nor a message")
            }
            try sink.deliver(record, transfer: transfer)
            let acknowledged = try catalog.markDelivered(job, sentBytes: transfer.sent)
            breakers.withLock { $0[sink.name]!.recordSuccess() }
            count(sink.name) { $0.delivered += 1; $0.sentBytes += transfer.sent }
            if acknowledged {
                logger.info("delivered", metadata: [
                    "sink": "\(sink.name)", "path": "\(what)", "bytes": "\(transfer.sent)",
                    "seconds": "\(String(format: "%.2f", Date().timeIntervalSince1970 - started))",
                ])
            } else {
                logger.info("delivered, but the car changed or moved the file meanwhile: its final state goes next",
                            metadata: ["sink": "\(sink.name)", "path": "\(what)"])
            }
        } catch let error as SinkError {
            failed(job, sink: sink.name, error: error, sent: transfer.sent)
        } catch {
            logger.error("the upload queue cannot be written", metadata: ["sink": "\(sink.name)", "error": "\(error)"])
        }
    }

    private func failed(_ job: UploadJob, sink: String, error: SinkError, sent: Int64) {
        let now = Date().timeIntervalSince1970
        guard isRunning else {
            // Cut short by the stop: no attempt counted, the job is taken up at the next start.
            try? catalog.markFailed(job, error: "interrupted by the daemon's stop", retryAt: 0, sentBytes: sent, now: now)
            return
        }
        count(sink) { $0.failed += 1; $0.sentBytes += sent; $0.failedBytes += sent }
        reachability.forget(sink)  // the next try asks the peer first: the board may have left home
        let what = job.path ?? "an alert"
        do {
            if error.isPermanent {
                try catalog.markFailed(job, error: error.description, retryAt: now, sentBytes: sent, now: now)
                try catalog.stopSink(sink, reason: error.description, now: now)
                logger.error("sink stopped: \(error); fix it, then run `teslacam sinks retry \(sink)`",
                             metadata: ["sink": "\(sink)", "path": "\(what)"])
                try catalog.queueAlert(["alert": "sink stopped", "sink": sink, "message": error.description], now: now)
                return
            }
            let retryAt = policy.backoff.retryTime(after: error, attempt: job.attempts + 1, now: now,
                                                   random: Double.random(in: 0..<1))
            try catalog.markFailed(job, error: error.description, retryAt: retryAt, sentBytes: sent, now: now)
            let opened = breakers.withLock { breakers -> Bool in
                let wasOpen = breakers[sink]!.isOpen
                breakers[sink]!.recordFailure(now: now)
                return !wasOpen && breakers[sink]!.isOpen
            }
            logger.warning("delivery failed: \(error)", metadata: [
                "sink": "\(sink)", "path": "\(what)", "attempt": "\(job.attempts + 1)",
                "retryIn": "\(String(format: "%.1f", retryAt - now))s",
            ])
            if opened {
                let until = breakers.withLock { $0[sink]?.reopensAt } ?? now
                logger.warning("too many failures in a row: the sink rests", metadata: [
                    "sink": "\(sink)", "seconds": "\(Int((until - now).rounded(.up)))",
                ])
            }
        } catch {
            logger.error("the upload queue cannot be written", metadata: ["sink": "\(sink)", "error": "\(error)"])
        }
    }

    private func count(_ sink: String, _ change: (inout Counters) -> Void) {
        counters.withLock { change(&$0[sink, default: Counters()]) }
    }
}
