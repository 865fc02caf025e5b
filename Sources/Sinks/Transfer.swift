import Foundation
import Outbound
import Synchronization

/// The bandwidth limits in force and whether the car records: shared by every sink's thread.
public final class Throttle: Sendable {
    private let overall: Mutex<TokenBucket?>
    private let configuredRate: Double?
    public let whileRecording: WhileRecording
    private let carIsWriting: @Sendable () -> Bool

    public init(bytesPerSecond: Double?, whileRecording: WhileRecording, carIsWriting: @escaping @Sendable () -> Bool) {
        configuredRate = bytesPerSecond
        overall = Mutex(bytesPerSecond.map { TokenBucket(bytesPerSecond: $0) })
        self.whileRecording = whileRecording
        self.carIsWriting = carIsWriting
    }

    public static let unlimited = Throttle(bytesPerSecond: nil, whileRecording: .full, carIsWriting: { false })

    /// A plain limit, whatever the car does: a sink's own.
    public static func limit(_ bytesPerSecond: Double) -> Throttle {
        Throttle(bytesPerSecond: bytesPerSecond, whileRecording: .full, carIsWriting: { false })
    }

    /// The overall rate now: nil unlimited, 0 paused.
    public var currentRate: Double? { whileRecording.rate(configured: configuredRate, carIsWriting: carIsWriting()) }

    /// Seconds to wait before sending `bytes` under the overall limit (and the recording rule's).
    func wait(for bytes: Int, now: Double) -> Double? {
        let rate = currentRate
        if rate == 0 { return nil }
        return overall.withLock { (bucket: inout TokenBucket?) -> Double in
            if let rate, bucket?.rate != rate {
                // The recording rule changed the rate: a fresh bucket at the new one.
                bucket = TokenBucket(bytesPerSecond: rate)
            } else if rate == nil {
                return 0
            }
            return bucket!.take(bytes, now: now)
        }
    }
}

/// One delivery's pacing: the sink's own limit, the overall one, a daemon that stops. Counts what was sent.
public final class Transfer: Sendable {
    /// The sink's own limit: shared by its deliveries (`Uploader` keeps one per sink), so a burst is a burst per
    /// sink, not per file.
    private let sinkLimit: Throttle?
    private let throttle: Throttle
    private let stopping: @Sendable () -> Bool
    private let sentBytes = Atomic<Int64>(0)
    private let cancelHandler = Mutex<(@Sendable () -> Void)?>(nil)

    public convenience init(sinkBytesPerSecond: Double?, throttle: Throttle, stopping: @escaping @Sendable () -> Bool = { false }) {
        self.init(sinkLimit: sinkBytesPerSecond.map(Throttle.limit), throttle: throttle, stopping: stopping)
    }

    public init(sinkLimit: Throttle?, throttle: Throttle, stopping: @escaping @Sendable () -> Bool = { false }) {
        self.sinkLimit = sinkLimit
        self.throttle = throttle
        self.stopping = stopping
    }

    public var sent: Int64 { sentBytes.load(ordering: .relaxed) }
    public var isStopping: Bool { stopping() }

    /// The tightest rate in force now (for tools that pace themselves, like rsync's --bwlimit): nil unlimited.
    public var rateLimit: Double? {
        let sink = sinkLimit?.currentRate
        let overall = throttle.currentRate
        switch (sink, overall) {
        case let (s?, o?): return min(s, o)
        case let (s?, nil): return s
        case let (nil, o): return o
        }
    }

    /// Waits until `bytes` may be sent, then counts them. Throws when the daemon stops meanwhile.
    public func pace(_ bytes: Int) throws(SinkError) {
        while true {
            if stopping() { throw .transient("the daemon is stopping") }
            let now = Date().timeIntervalSince1970
            guard let overall = throttle.wait(for: bytes, now: now) else {
                // Paused while the car records: look again shortly.
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            let own = sinkLimit?.wait(for: bytes, now: now) ?? 0
            let wait = max(overall, own)
            if wait > 0 { Thread.sleep(forTimeInterval: min(wait, 5)) }
            break
        }
        record(sent: bytes)
    }

    /// Counts bytes a tool sent by itself.
    public func record(sent bytes: Int) { sentBytes.add(Int64(bytes), ordering: .relaxed) }

    /// Waits while the car records and uploads pause for it.
    public func waitUntilAllowed() throws(SinkError) {
        while throttle.currentRate == 0 {
            if stopping() { throw .transient("the daemon is stopping") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// What to do to cut a delivery short when the daemon stops (an external tool's process to end).
    public func onCancel(_ handler: (@Sendable () -> Void)?) { cancelHandler.withLock { $0 = handler } }

    func cancel() { cancelHandler.withLock { $0 }?() }
}
