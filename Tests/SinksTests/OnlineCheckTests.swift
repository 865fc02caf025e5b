import Catalog
import Foundation
import Glibc
import Outbound
import Sinks
import Synchronization
import Testing

/// The online check: a sink whose peer does not answer is "away" (the board in the car, the NAS at home): its
/// jobs are not tried, so no attempt, backoff or breaker is spent, and they go as soon as the peer answers.
@Suite struct OnlineCheckTests {
    /// A TCP listener on loopback that accepts nothing: a connect completes all the same (the kernel's backlog).
    final class Listener {
        let fd: Int32
        let port: Int
        /// A client holding the only place of a full backlog.
        private var filler: Int32 = -1
        init(silent: Bool = false) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, silent ? 0 : 8) == 0 else { throw POSIXError(.EADDRINUSE) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            if silent {
                // Its one place taken and nothing accepted: Linux drops the next SYNs, so a connect hears nothing,
                // as from a car whose Wi-Fi does not reach home (this sandbox answers every outside address).
                filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
        var address: PeerAddress { PeerAddress(host: "127.0.0.1", port: port) }
        deinit {
            if filler >= 0 { close(filler) }
            close(fd)
        }
    }

    @Test func aPeerThatAnswersIsOnlineAndOneThatDoesNotIsAway() throws {
        let listener = try Listener()
        #expect(PeerAddress(host: "127.0.0.1", port: listener.port).probe() == nil)
        // Refused: the host is there (its service is down), so deliveries are tried and fail in words as before.
        let closed = freePort()
        #expect(PeerAddress(host: "127.0.0.1", port: closed).probe() == nil)
        let silent = try Listener(silent: true)
        let failure = try #require(silent.address.probe(timeout: 1))
        #expect(failure == "127.0.0.1:\(silent.port) did not answer within 1 s", "\(failure)")
        // A name the board cannot resolve (no DNS away from home) is away too.
        let unknown = try #require(PeerAddress(host: "nas.invalid", port: 445).probe(timeout: 1))
        #expect(unknown.hasPrefix("nas.invalid has no address here"), "\(unknown)")
        #expect(PeerAddress(url: "https://s3.eu-west-1.amazonaws.com/bucket") == PeerAddress(host: "s3.eu-west-1.amazonaws.com", port: 443))
        #expect(PeerAddress(url: "http://nas.local:8080/dav/") == PeerAddress(host: "nas.local", port: 8080))
        #expect(PeerAddress(url: "/mnt/nas") == nil)
    }

    /// A sink whose peer the test moves: away at first, then at home.
    final class MovingSink: Sink {
        let name = "home"
        var type: String { "test" }
        let where_: Mutex<PeerAddress>
        init(at address: PeerAddress) { where_ = Mutex(address) }
        let delivered = Mutex<[String]>([])
        var peer: PeerAddress? { where_.withLock { $0 } }
        func deliver(_ record: OutgoingRecord, transfer: Transfer) throws(SinkError) {
            guard case let .file(path, _, _, _, _) = record.content else { return }
            delivered.withLock { $0.append(path) }
        }
        func check() throws(SinkError) {}
    }

    @Test func jobsWaitUntouchedWhileThePeerIsAwayAndGoWhenItAnswers() throws {
        let rig = try CarRig(routes: Routes([.recent: ["home"]]))
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 200_000, seed: 1)
        rig.play()
        let away = try Listener(silent: true)
        let sink = MovingSink(at: away.address)
        var policy = CarRig.fastPolicy
        policy.offlineInterval = 0.2
        let uploader = rig.uploader([SinkSetup(sink: sink)], policy: policy)
        uploader.start()
        defer { uploader.stop() }
        #expect(eventually { uploader.reachability.offline("home") != nil })
        // Several looks at the away peer later: the job was never tried.
        Thread.sleep(forTimeInterval: 1.5)
        let waiting = try #require(try rig.catalog.openJobs("home").first)
        #expect(waiting.attempts == 0 && sink.delivered.withLock { $0 }.isEmpty)
        #expect(try rig.catalog.sinkStatus("home").lastError == nil, "being away is not an error")
        #expect(uploader.breaker("home")?.isOpen == false)
        // Home: the peer answers, the job goes within a look or two.
        let listener = try Listener()
        sink.where_.withLock { $0 = PeerAddress(host: "127.0.0.1", port: listener.port) }
        #expect(try eventually { try rig.catalog.openJobs("home").isEmpty })
        #expect(uploader.reachability.offline("home") == nil)
        #expect(sink.delivered.withLock { $0 } == ["TeslaCam/RecentClips/2026-11-25_09-00-00-front.mp4"])
    }
}
