/// Pages of one backing file that the board's disk refused (full, failing): held in memory, served to reads,
/// written back when the disk takes them again. The car must never see the failure.
///
/// `limit` bounds the memory: a page that is not held yet and does not fit is *dropped* (counted in
/// `droppedBytes`); pages already held keep taking the car's later writes, so they stay exact. Without a limit
/// (the metadata image, whose size bounds it) every refused page is held.
struct HeldPages {
    static let pageSize = 4096

    var limit: Int?
    private(set) var pages: [UInt64: [UInt8]] = [:]
    /// The most bytes held at once since the file was opened.
    private(set) var peakBytes = 0
    /// Bytes the car wrote that neither the disk nor the memory bound could take: they are lost.
    private(set) var droppedBytes: UInt64 = 0

    init(limit: Int?) { self.limit = limit }

    var isEmpty: Bool { pages.isEmpty }
    var byteCount: Int { pages.count * Self.pageSize }

    func contains(page: UInt64) -> Bool { pages[page] != nil }

    /// Copies `bytes` into page `page` at `offsetInPage`; `loadPage` supplies the page's current content when the
    /// page is not held yet. Returns false (and counts the bytes as dropped) when a new page would pass the limit.
    @discardableResult
    mutating func store(_ bytes: UnsafeRawBufferPointer, page: UInt64, offsetInPage: Int, loadPage: () -> [UInt8]) -> Bool {
        if pages[page] == nil, let limit, byteCount + Self.pageSize > limit {
            droppedBytes += UInt64(bytes.count)
            return false
        }
        var content = pages[page] ?? loadPage()
        content.withUnsafeMutableBytes { dst in
            (dst.baseAddress! + offsetInPage).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        pages[page] = content
        peakBytes = max(peakBytes, byteCount)
        return true
    }

    /// Overlays held pages onto `buffer`, which holds the file's bytes starting at `offset`.
    func overlay(onto buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        guard !pages.isEmpty, buffer.count > 0 else { return }
        let size = UInt64(Self.pageSize)
        let end = offset + UInt64(buffer.count)
        forEachHeld(in: offset..<end) { page, content in
            let from = max(page * size, offset), to = min((page + 1) * size, end)
            content.withUnsafeBytes { src in
                (buffer.baseAddress! + Int(from - offset))
                    .copyMemory(from: src.baseAddress! + Int(from - page * size), byteCount: Int(to - from))
            }
        }
    }

    /// The range now reads as zeros (a punched hole, a truncation): whole pages go, partial ones are zeroed.
    mutating func zero(_ range: Range<UInt64>) {
        guard !pages.isEmpty, !range.isEmpty else { return }
        let size = UInt64(Self.pageSize)
        var touched: [UInt64] = []
        forEachHeld(in: range) { page, _ in touched.append(page) }
        for page in touched {
            let from = max(page * size, range.lowerBound), to = min((page + 1) * size, range.upperBound)
            if from == page * size && to == (page + 1) * size {
                pages[page] = nil
            } else {
                pages[page]!.withUnsafeMutableBytes { raw in
                    (raw.baseAddress! + Int(from - page * size)).initializeMemory(as: UInt8.self, repeating: 0, count: Int(to - from))
                }
            }
        }
    }

    /// Calls `body` for each held page meeting `range`, walking whichever is smaller: the range or the pages.
    private func forEachHeld(in range: Range<UInt64>, _ body: (UInt64, [UInt8]) -> Void) {
        let size = UInt64(Self.pageSize)
        let first = range.lowerBound / size, last = (range.upperBound - 1) / size
        if UInt64(pages.count) < last - first + 1 {
            for (page, content) in pages where page >= first && page <= last { body(page, content) }
        } else {
            for page in first...last { if let content = pages[page] { body(page, content) } }
        }
    }

    mutating func remove(page: UInt64) { pages[page] = nil }
}
