import Foundation
import Synchronization

/// Looks into the daemon while the car waits: once a pwrite or fsync has been in flight for `threshold` seconds,
/// records what each of the daemon's threads is doing at that moment (scheduler state, the syscall it is in, the
/// kernel function it sleeps in), once per slow call. Tells a lock (futex) from the disk (fsync, pwrite, D state)
/// from a CPU the machine did not give (runnable, R), without a debugger. Also sums the time the daemon's threads
/// waited on a run queue (schedstat).
final class StallProbe: @unchecked Sendable {
    private let pid: Int32
    private let threshold: UInt64
    /// Nanoseconds (monotonic) when the car's call under way began; 0: none.
    private let since = Atomic<UInt64>(0)
    private let call = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(true)
    private let samples = Mutex<[String: Int]>([:])
    private let sampled = Mutex<Int>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let waitedBefore = Mutex(0.0)

    init(pid: Int32, threshold: Double = 0.04) {
        self.pid = pid
        self.threshold = UInt64(threshold * 1e9)
        waitedBefore.withLock { $0 = Self.runQueueSeconds(pid) }
        let thread = Thread { [self] in
            var seen: UInt64 = 0
            while running.load(ordering: .relaxed) {
                usleep(5000)
                let start = since.load(ordering: .acquiring), current = call.load(ordering: .acquiring)
                guard start != 0, current != seen, Self.now() - start >= self.threshold else { continue }
                seen = current
                let lines = snapshot()
                samples.withLock { for line in lines { $0[line, default: 0] += 1 } }
                sampled.withLock { $0 += 1 }
            }
            finished.signal()
        }
        thread.name = "bench-stall-probe"
        thread.start()
    }

    /// The run-queue wait is counted from here (the timed part begins).
    func startCounting() { waitedBefore.withLock { $0 = Self.runQueueSeconds(pid) } }

    func begin() {
        call.add(1, ordering: .relaxed)
        since.store(Self.now(), ordering: .releasing)
    }

    func end() { since.store(0, ordering: .releasing) }

    struct Report {
        /// Slow calls looked at.
        var stalls: Int
        /// "thread: state, syscall, kernel function" → in how many of those looks.
        var threads: [(String, Int)]
        /// Seconds the daemon's threads spent runnable but not running, during the round.
        var runQueueWait: Double
    }

    func stop() -> Report {
        running.store(false, ordering: .relaxed)
        finished.wait()
        let counted = samples.withLock { $0 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        return Report(stalls: sampled.withLock { $0 }, threads: counted,
                      runQueueWait: Self.runQueueSeconds(pid) - waitedBefore.withLock { $0 })
    }

    /// One line per daemon thread not idle in its usual wait (a FUSE worker waiting on /dev/fuse, an event loop in
    /// epoll), threads of one name (digits dropped) in one state counted once.
    private func snapshot() -> Set<String> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var lines = Set<String>()
        for task in tasks {
            let base = "/proc/\(pid)/task/\(task)/"
            let name = Self.read(base + "comm").trimmingCharacters(in: .whitespacesAndNewlines).filter { !$0.isNumber }
            let stat = Self.read(base + "stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let state = stat[stat.index(after: close)...].split(separator: " ").first.map(String.init) ?? "?"
            let syscallField = Self.read(base + "syscall").split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? "?"
            let syscall = Int(syscallField).map(Self.syscallName) ?? syscallField
            var wchan = Self.read(base + "wchan").trimmingCharacters(in: .whitespacesAndNewlines)
            if wchan == "0" || wchan.isEmpty {
                // No symbol in wchan (newer kernels): the top of the kernel stack, when root may read it.
                wchan = Self.read(base + "stack").split(separator: "\n").first
                    .map { String($0.split(separator: " ").last ?? "").split(separator: "+").first.map(String.init) ?? "" } ?? ""
            }
            // Idle as they always are (a FUSE worker waiting on /dev/fuse, an event loop, a sleeper): not what the
            // car waits for.
            if state == "S", ["read", "epoll_wait", "epoll_pwait", "clock_nanosleep", "nanosleep"].contains(syscall) { continue }
            lines.insert("\(name.isEmpty ? "?" : name): \(state), \(syscall), \(wchan.isEmpty ? "-" : wchan)")
        }
        return lines
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The second field of each thread's schedstat: nanoseconds runnable on a run queue.
    static func runQueueSeconds(_ pid: Int32) -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0.0) { total, task in
            let fields = read("/proc/\(pid)/task/\(task)/schedstat").split(separator: " ")
            return total + (fields.count > 1 ? (Double(fields[1]) ?? 0) / 1e9 : 0)
        }
    }

    /// x86-64 numbers of the syscalls a daemon thread is found in; others by number.
    static func syscallName(_ number: Int) -> String {
        let names = [0: "read", 1: "write", 3: "close", 7: "poll", 9: "mmap", 10: "mprotect", 11: "munmap", 16: "ioctl",
                     17: "pread64", 18: "pwrite64", 19: "readv", 20: "writev", 23: "select", 26: "msync", 28: "madvise",
                     35: "nanosleep", 44: "sendto", 45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 72: "fcntl",
                     74: "fsync", 75: "fdatasync", 76: "truncate", 77: "ftruncate", 82: "rename", 87: "unlink",
                     162: "sync", 202: "futex", 230: "clock_nanosleep", 232: "epoll_wait", 257: "openat",
                     262: "newfstatat", 270: "pselect6", 271: "ppoll", 277: "sync_file_range", 281: "epoll_pwait",
                     285: "fallocate", 306: "syncfs", 316: "renameat2", 332: "statx"]
        return names[number] ?? (number < 0 ? "running" : "syscall \(number)")
    }
}
