/// Disk pages the board's disk refused (full, failing): held in memory, served to reads, written back when the disk
/// takes them again. The car must never see the failure.
struct UnflushedPages {
    static let pageSize = 4096

    private(set) var pages: [UInt64: [UInt8]] = [:]

    var isEmpty: Bool { pages.isEmpty }
    var byteCount: Int { pages.count * Self.pageSize }

    func contains(page: UInt64) -> Bool { pages[page] != nil }

    /// Whether any page of `[offset, offset+length)` is held here.
    func overlaps(offset: UInt64, length: Int) -> Bool {
        guard !pages.isEmpty, length > 0 else { return false }
        let first = offset / UInt64(Self.pageSize), last = (offset + UInt64(length) - 1) / UInt64(Self.pageSize)
        if UInt64(pages.count) < last - first + 1 { return pages.keys.contains { $0 >= first && $0 <= last } }
        return (first...last).contains { pages[$0] != nil }
    }

    /// Copies `bytes` into page `page` at `offsetInPage`; `loadPage` supplies the page's current content when the
    /// page is not held yet.
    mutating func store(_ bytes: UnsafeRawBufferPointer, page: UInt64, offsetInPage: Int, loadPage: () -> [UInt8]) {
        var content = pages[page] ?? loadPage()
        content.withUnsafeMutableBytes { dst in
            (dst.baseAddress! + offsetInPage).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        pages[page] = content
    }

    /// Overlays held pages onto `buffer`, which holds disk bytes starting at `offset`.
    func overlay(onto buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        guard !pages.isEmpty, buffer.count > 0 else { return }
        let size = UInt64(Self.pageSize)
        var page = offset / size
        let end = offset + UInt64(buffer.count)
        while page * size < end {
            if let content = pages[page] {
                let from = max(page * size, offset), to = min((page + 1) * size, end)
                content.withUnsafeBytes { src in
                    (buffer.baseAddress! + Int(from - offset))
                        .copyMemory(from: src.baseAddress! + Int(from - page * size), byteCount: Int(to - from))
                }
            }
            page += 1
        }
    }

    mutating func remove(page: UInt64) { pages[page] = nil }
}
