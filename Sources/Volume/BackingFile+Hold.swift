import Glibc
import Logging

/// What a backing file holds for the car while the board's disk refuses writes, and how loudly it has said so.
struct RefusedWrites: Sendable {
    var pages = HeldPages(limit: nil)
    /// Off for files outside the engine (traces, offline reads): their writes fail as usual.
    var isHolding = false
    var logger: Logger?
    /// Writes (or retries) the disk refused since the file was opened.
    var refusals: UInt64 = 0
    var lastError: String?
    var lastRetry: ContinuousClock.Instant?
    var lastRefusalLog: ContinuousClock.Instant?
    var lastDropLog: ContinuousClock.Instant?
    /// Dropped bytes already reported, so each report says how many were lost since.
    var droppedReported: UInt64 = 0
}

/// What a file's hold looks like now (for the engine's statistics).
public struct HoldStatistics: Sendable, Equatable {
    public var heldBytes: UInt64 = 0
    public var peakBytes: UInt64 = 0
    public var droppedBytes: UInt64 = 0
    public var refusals: UInt64 = 0
    public var lastError: String?
}

extension BackingFile {
    /// A full disk repeats itself; the log says so this often at most.
    static let holdLogInterval: Duration = .seconds(10)
    /// Held pages are tried again at most this often between the car's flushes.
    static let retryInterval: Duration = .seconds(1)

    /// From now on a write the disk refuses is held in memory (at most `limit` bytes of pages; nil: no bound)
    /// instead of failing, and `logger` says so.
    public func holdRefusedWrites(limit: Int?, logger: Logger) {
        hold.withLock {
            $0.isHolding = true
            $0.pages.limit = limit
            $0.logger = logger
        }
    }

    public var holdStatistics: HoldStatistics {
        hold.withLock { h in
            HoldStatistics(heldBytes: UInt64(h.pages.byteCount), peakBytes: UInt64(h.pages.peakBytes),
                           droppedBytes: h.pages.droppedBytes, refusals: h.refusals, lastError: h.lastError)
        }
    }

    /// Pages already held take the write in memory (later bytes must land on top of them, not beside them on
    /// disk); runs of other pages go to the disk, and what it refuses is held.
    func writeHolding(_ buffer: UnsafeRawBufferPointer, at offset: UInt64, _ h: inout RefusedWrites) {
        if h.pages.isEmpty {
            do { try file.write(buffer, at: offset) } catch { refused(buffer, at: offset, error, &h) }
            return
        }
        let size = UInt64(HeldPages.pageSize)
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let held = h.pages.contains(page: position / size)
            // The run of pages that share this page's fate.
            var end = done
            repeat {
                let page = (offset + UInt64(end)) / size
                end = min(buffer.count, Int((page + 1) * size - offset))
            } while end < buffer.count && h.pages.contains(page: (offset + UInt64(end)) / size) == held
            let run = UnsafeRawBufferPointer(rebasing: buffer[done..<end])
            if held {
                store(run, at: position, &h)
            } else {
                do { try file.write(run, at: position) } catch { refused(run, at: position, error, &h) }
            }
            done = end
        }
    }

    private func refused(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, _ error: BackingStoreError,
                         _ h: inout RefusedWrites) {
        h.refusals += 1
        h.lastError = error.description
        store(bytes, at: offset, &h)
        let now = ContinuousClock.now
        if h.lastRefusalLog.map({ now - $0 >= Self.holdLogInterval }) ?? true {
            h.lastRefusalLog = now
            h.logger?.error("the board's disk refused a write; the car's data is held in memory until it takes writes again", metadata: [
                "file": "\(path)", "error": "\(error)", "heldBytes": "\(h.pages.byteCount)",
                "limit": "\(h.pages.limit.map { "\(ByteSize(bytes: UInt64($0)))" } ?? "none")",
                "refusals": "\(h.refusals)",
            ])
        }
    }

    /// Copies bytes into held pages, loading each new page's current content from the disk first.
    private func store(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, _ h: inout RefusedWrites) {
        let pageSize = UInt64(HeldPages.pageSize)
        var done = 0
        var dropped = false
        while done < bytes.count {
            let position = offset + UInt64(done)
            let page = position / pageSize, inPage = Int(position % pageSize)
            let n = min(bytes.count - done, HeldPages.pageSize - inPage)
            let stored = h.pages.store(UnsafeRawBufferPointer(rebasing: bytes[done..<done + n]), page: page,
                                       offsetInPage: inPage) {
                var content = [UInt8](repeating: 0, count: HeldPages.pageSize)
                content.withUnsafeMutableBytes { try? file.read(into: $0, at: page * pageSize) }
                return content
            }
            if !stored { dropped = true }
            done += n
        }
        guard dropped else { return }
        let now = ContinuousClock.now
        if h.lastDropLog.map({ now - $0 >= Self.holdLogInterval }) ?? true {
            h.lastDropLog = now
            let lost = h.pages.droppedBytes - h.droppedReported
            h.droppedReported = h.pages.droppedBytes
            h.logger?.critical("""
                the memory for writes the board's disk refuses is full: the car's new data is LOST (it reads back \
                older bytes there) until the disk takes writes again; free space on the board's disk or raise "hold"
                """, metadata: [
                    "file": "\(path)", "limit": "\(ByteSize(bytes: UInt64(h.pages.limit ?? 0)))",
                    "lostBytes": "\(lost)", "lostBytesTotal": "\(h.pages.droppedBytes)",
                ])
        }
    }

    /// Writes held pages back to the disk, in order, stopping at the first it refuses; `throttled`: at most once
    /// a `retryInterval` (the car's writes call this, and a full disk must not cost a failed write each time).
    public func retryHeld(throttled: Bool) {
        hold.withLock { h in
            guard !h.pages.isEmpty else { return }
            let now = ContinuousClock.now
            if throttled, let last = h.lastRetry, now - last < Self.retryInterval { return }
            h.lastRetry = now
            let held = h.pages.byteCount
            for (page, content) in h.pages.pages.sorted(by: { $0.key < $1.key }) {
                do throws(BackingStoreError) {
                    let result = content.withUnsafeBytes { raw in
                        Result { () throws(BackingStoreError) in
                            try file.write(raw, at: page * UInt64(HeldPages.pageSize))
                        }
                    }
                    try result.get()
                } catch {
                    h.refusals += 1
                    h.lastError = error.description
                    return
                }
                h.pages.remove(page: page)
            }
            h.logger?.notice("the board's disk takes writes again; what was held in memory is written out", metadata: [
                "file": "\(path)", "writtenBytes": "\(held)", "peakBytes": "\(h.pages.peakBytes)",
                "lostBytesTotal": "\(h.pages.droppedBytes)",
            ])
        }
    }
}
