import Foundation
import Synchronization

/// Owners watching from their phones while the car records: `streamers` clients each playing clips by range
/// requests (1 MiB at a time, as a video element buffers), newest clips first, growing ones included, and one
/// client downloading whole events as zips, all through the daemon's web API with one logged-in session.
final class WebViewers: @unchecked Sendable {
    struct Figures {
        var streamedBytes: UInt64 = 0
        var rangeRequests = 0
        /// Zips downloaded whole, and every byte of zips received (the last one cut when the round ended).
        var zips = 0
        var zipBytes: UInt64 = 0
        var errors = 0
        var firstError: String?
    }

    static let range = 1 << 20
    private let port: UInt16
    private let cookie: String
    private let rate: Double?
    private let running = Atomic<Bool>(true)
    private let figures = Mutex(Figures())
    /// Set once every client has received its first bytes: the load is on.
    private let started = Mutex<Set<Int>>([])
    private var threads: [Thread] = []
    private let finished = DispatchGroup()
    let clients: Int

    /// Starts the clients (`streamers` players and one zip download) with a logged-in session's cookie.
    init(port: UInt16, cookie: String, streamers: Int, ratePerClient: Double?) {
        self.port = port
        self.cookie = cookie
        rate = ratePerClient
        clients = streamers + 1
        for index in 0..<clients {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                if index < streamers { stream(index) } else { downloadZips(index) }
            }
            thread.name = "bench-viewer-\(index)"
            threads.append(thread)
            thread.start()
        }
    }

    /// Waits (at most `timeout` s) until every client has received bytes; false if some had not.
    func waitUntilStreaming(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while started.withLock({ $0.count }) < clients {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Stops the clients (each finishes the request under way) and returns what they moved.
    func stop() -> Figures {
        running.store(false, ordering: .relaxed)
        finished.wait()
        return figures.withLock { $0 }
    }

    private var headers: [String: String] { ["Cookie": cookie] }

    private func failed(_ error: any Error) {
        figures.withLock { f in
            f.errors += 1
            if f.firstError == nil { f.firstError = "\(error)" }
        }
        Thread.sleep(forTimeInterval: 0.1)
    }

    /// Holds the client to its rate: sleeps until `bytes` are due since `start`.
    private func pace(_ bytes: UInt64, since start: ContinuousClock.Instant) {
        guard let rate else { return }
        let due = Double(bytes) / rate, elapsed = CarWriter.seconds(since: start)
        if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
    }

    /// Clips newest first: RecentClips (growing ones too) and the events' clips, as the pages list them.
    private func clips(_ client: BenchHTTPClient) throws -> [(id: Int64, size: Int64)] {
        var found: [(id: Int64, size: Int64)] = []
        if let page = try client.request("GET", "/api/recent?limit=5", headers: headers).json() as? [String: Any],
           let items = page["items"] as? [[String: Any]] {
            for segment in items {
                for camera in segment["cameras"] as? [[String: Any]] ?? [] {
                    if let id = (camera["id"] as? NSNumber)?.int64Value, let size = (camera["size"] as? NSNumber)?.int64Value, size > 0 {
                        found.append((id, size))
                    }
                }
            }
        }
        for id in try events(client).prefix(2) {
            guard let detail = try client.request("GET", "/api/events/\(id)", headers: headers).json() as? [String: Any] else { continue }
            for file in detail["files"] as? [[String: Any]] ?? [] where (file["kind"] as? String) == "mp4" {
                if let id = (file["id"] as? NSNumber)?.int64Value, let size = (file["size"] as? NSNumber)?.int64Value, size > 0 {
                    found.append((id, size))
                }
            }
        }
        return found
    }

    private func events(_ client: BenchHTTPClient) throws -> [Int64] {
        guard let page = try client.request("GET", "/api/events?limit=10", headers: headers).json() as? [String: Any] else { return [] }
        return (page["items"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
    }

    private func stream(_ index: Int) {
        let client = BenchHTTPClient(port: port)
        var moved: UInt64 = 0
        let start = ContinuousClock.now
        var turn = index
        while running.load(ordering: .relaxed) {
            do {
                let list = try clips(client)
                guard !list.isEmpty else { Thread.sleep(forTimeInterval: 0.1); continue }
                // Each client plays a different clip of the newest, as four phones would.
                let clip = list[turn % list.count]
                turn += 1
                var offset: Int64 = 0
                while offset < clip.size, running.load(ordering: .relaxed) {
                    let last = min(clip.size, offset + Int64(Self.range)) - 1
                    let reply = try client.request("GET", "/api/clips/\(clip.id)", headers: headers.merging(["Range": "bytes=\(offset)-\(last)"]) { $1 },
                                                   keepBody: false)
                    // A growing clip listed larger than it is now, or gone (the car deleted it): the next clip.
                    guard reply.status == 206 || reply.status == 200 else { break }
                    moved += UInt64(reply.bodyBytes)
                    figures.withLock { $0.streamedBytes += UInt64(reply.bodyBytes); $0.rangeRequests += 1 }
                    if reply.bodyBytes > 0 { _ = started.withLock { $0.insert(index) } }
                    offset = last + 1
                    pace(moved, since: start)
                }
            } catch {
                failed(error)
            }
        }
    }

    private func downloadZips(_ index: Int) {
        let client = BenchHTTPClient(port: port)
        var moved: UInt64 = 0
        let start = ContinuousClock.now
        var turn = 0
        while running.load(ordering: .relaxed) {
            do {
                let ids = try events(client)
                guard !ids.isEmpty else { Thread.sleep(forTimeInterval: 0.1); continue }
                let id = ids[turn % ids.count]
                turn += 1
                let reply = try client.request("GET", "/api/events/\(id)/zip", headers: headers, keepBody: false) { [self] n in
                    moved += UInt64(n)
                    _ = started.withLock { $0.insert(index) }
                    figures.withLock { $0.zipBytes += UInt64(n) }
                    pace(moved, since: start)
                    return running.load(ordering: .relaxed)
                }
                guard reply.status == 200 else { Thread.sleep(forTimeInterval: 0.1); continue }
                figures.withLock { $0.zips += 1 }
            } catch is BenchHTTPClient.Abandoned {
                break
            } catch {
                failed(error)
            }
        }
    }
}
