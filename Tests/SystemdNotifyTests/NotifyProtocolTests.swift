import Glibc
import Synchronization
import Testing
@testable import SystemdNotify

@Suite struct NotifyMessageTests {
    @Test func readyWithStatusIsOneDatagramOfTwoLines() {
        let message = NotifyMessage.ready + .status("serving /run/teslacam/volume.img")
        #expect(message.description == "READY=1\nSTATUS=serving /run/teslacam/volume.img")
    }

    @Test func statusStaysOneLine() {
        let message = NotifyMessage.status("two\nlines\r\nhere")
        #expect(message.description == "STATUS=two lines here")
        #expect(NotifyMessage(parsing: message.description).assignments.count == 1)
    }

    @Test func parsingIsTheInverseOfDescription() {
        let message = NotifyMessage.watchdog + .status("a=b c") + .stopping
        let parsed = NotifyMessage(parsing: message.description)
        #expect(parsed == message)
        #expect(parsed.value(of: "STATUS") == "a=b c")
        #expect(parsed.value(of: "WATCHDOG") == "1")
    }
}

@Suite struct NotifyAddressTests {
    @Test func pathAndAbstractNames() {
        #expect(NotifyAddress(environmentValue: "/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(NotifyAddress(environmentValue: "@/org/freedesktop/systemd1/notify") == .abstract("/org/freedesktop/systemd1/notify"))
        #expect(NotifyAddress.abstract("x").socketPathBytes == [0, 120])
        #expect(NotifyAddress.path("/a").socketPathBytes == [47, 97, 0])
    }

    @Test(arguments: ["", "@", "relative/sock", "vsock:2:1234", "/" + String(repeating: "x", count: 120)])
    func unusableAddressesAreRefused(_ value: String) {
        #expect(NotifyAddress(environmentValue: value) == nil)
    }
}

@Suite struct WatchdogSettingsTests {
    @Test func halfTheTimeout() {
        let w = WatchdogSettings(environment: ["WATCHDOG_USEC": "30000000"], processID: 42)
        #expect(w?.timeout == .seconds(30))
        #expect(w?.pingInterval == .seconds(15))
    }

    @Test func onlyForTheNamedProcess() {
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "42"], processID: 42) != nil)
        #expect(WatchdogSettings(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "43"], processID: 42) == nil)
    }

    @Test(arguments: [[:], ["WATCHDOG_USEC": "0"], ["WATCHDOG_USEC": "soon"], ["WATCHDOG_USEC": "-5"]])
    func noWatchdog(_ environment: [String: String]) {
        #expect(WatchdogSettings(environment: environment, processID: 1) == nil)
    }
}

/// Real datagrams to sockets the test binds.
@Suite struct ServiceNotifierTests {
    @Test(arguments: [false, true])
    func readyReachesTheSocket(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = try ServiceNotifier(address: try #require(NotifyAddress(environmentValue: listener.environmentValue)))
        try notifier.send(.ready + .status("serving volume.img"))
        try notifier.send(.stopping)
        #expect(listener.receive() == "READY=1\nSTATUS=serving volume.img")
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func aMissingSocketIsAnErrorInWords() throws {
        let notifier = try ServiceNotifier(address: .path("/nonexistent-\(getpid())/notify"))
        #expect(throws: NotifyError.send(address: "/nonexistent-\(getpid())/notify", errno: ENOENT)) {
            try notifier.send(.ready)
        }
        #expect("\(NotifyError.send(address: "/x", errno: ENOENT))".contains("NOTIFY_SOCKET"))
    }
}

/// `$NOTIFY_SOCKET` is process-wide: these run one at a time.
@Suite(.serialized) struct NotifyEnvironmentTests {
    @Test func fromEnvironmentUnsetsTheVariable() throws {
        let listener = try NotifyListener(abstract: true)
        setenv("NOTIFY_SOCKET", listener.environmentValue, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = try #require(try ServiceNotifier.fromEnvironment())
        #expect(getenv("NOTIFY_SOCKET") == nil)
        try notifier.send(.ready)
        #expect(listener.receive() == "READY=1")
    }

    @Test func noVariableNoNotifier() throws {
        unsetenv("NOTIFY_SOCKET")
        #expect(try ServiceNotifier.fromEnvironment() == nil)
    }
}

@Suite struct HeartbeatTests {
    @Test func pingsCarryTheProbesStatus() throws {
        let listener = try NotifyListener(abstract: false)
        let notifier = try ServiceNotifier(address: .path(listener.environmentValue))
        let calls = Atomic<Int>(0)
        let heartbeat = Heartbeat(notifier: notifier, interval: .milliseconds(10)) {
            "probe \(calls.add(1, ordering: .relaxed).newValue)"
        }
        let first = try #require(listener.receive())
        let second = try #require(listener.receive())
        heartbeat.stop()
        #expect(first == "WATCHDOG=1\nSTATUS=probe 1")
        #expect(second == "WATCHDOG=1\nSTATUS=probe 2")
    }

    /// The point of the heartbeat: while the lock the probe needs is held (a wedged car I/O path), no ping goes out.
    @Test func aBlockedProbeSendsNothing() throws {
        let listener = try NotifyListener(abstract: true)
        let notifier = try ServiceNotifier(address: try #require(NotifyAddress(environmentValue: listener.environmentValue)))
        let engineLock = Mutex<Int>(0)
        let entered = Atomic<Bool>(false)
        var held: pthread_mutex_t = pthread_mutex_t()
        pthread_mutex_init(&held, nil)
        defer { pthread_mutex_destroy(&held) }
        let heldAddress = withUnsafeMutablePointer(to: &held) { UInt(bitPattern: $0) }
        pthread_mutex_lock(&held)
        let heartbeat = Heartbeat(notifier: notifier, interval: .milliseconds(10)) {
            entered.store(true, ordering: .relaxed)
            let p = UnsafeMutablePointer<pthread_mutex_t>(bitPattern: heldAddress)!
            pthread_mutex_lock(p)
            pthread_mutex_unlock(p)
            return "ok \(engineLock.withLock { $0 })"
        }
        while !entered.load(ordering: .relaxed) { usleep(1000) }
        usleep(200_000)
        #expect(!listener.hasPending, "a ping went out while the probe was blocked")
        pthread_mutex_unlock(&held)
        #expect(listener.receive() == "WATCHDOG=1\nSTATUS=ok 0")
        heartbeat.stop()
    }

    @Test func sendFailuresAreReportedOnceWhileTheyLast() throws {
        let notifier = try ServiceNotifier(address: .abstract("teslacam-nobody-listens-\(getpid())"))
        let errors = Mutex<[NotifyError]>([])
        let probes = Atomic<Int>(0)
        let heartbeat = Heartbeat(notifier: notifier, interval: .milliseconds(1), probe: {
            probes.add(1, ordering: .relaxed)
            return ""
        }, onError: { e in errors.withLock { $0.append(e) } })
        while probes.load(ordering: .relaxed) < 5 { usleep(1000) }
        heartbeat.stop()
        #expect(errors.withLock { $0.count } == 1)
    }
}
