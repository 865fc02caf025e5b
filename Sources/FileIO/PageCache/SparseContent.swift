/// A file's bytes as 4 KiB pages, the page cache's and the disk's unit: a missing page is a hole and reads as
/// zero. A value, so the durable copy and the cached copy share pages until one of them changes.
struct SparseContent: Sendable, Equatable {
    static let pageSize = 4096
    private(set) var pages: [UInt64: [UInt8]] = [:]
    private(set) var size: UInt64 = 0

    private static var pageBytes: UInt64 { UInt64(pageSize) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let end = min(offset + UInt64(buffer.count), size)
        var position = offset
        while position < end {
            let page = position / Self.pageBytes, inPage = Int(position % Self.pageBytes)
            let n = Int(min(end - position, Self.pageBytes - UInt64(inPage)))
            if let bytes = pages[page] {
                let target = Int(position - offset)
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[target..<target + n])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[inPage..<inPage + n]))
                }
            }
            position += UInt64(n)
        }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) {
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let page = position / Self.pageBytes, inPage = Int(position % Self.pageBytes)
            let n = min(bytes.count - done, Self.pageSize - inPage)
            var content = pages.removeValue(forKey: page) ?? [UInt8](repeating: 0, count: Self.pageSize)
            content.withUnsafeMutableBytes { target in
                UnsafeMutableRawBufferPointer(rebasing: target[inPage..<inPage + n])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[done..<done + n]))
            }
            pages[page] = content
            done += n
        }
        size = max(size, offset + UInt64(bytes.count))
    }

    /// ftruncate: pages past the new end go, the tail of the last one reads as zero.
    mutating func setSize(_ newSize: UInt64) {
        if newSize < size {
            zero(from: newSize, to: size)
        }
        size = newSize
    }

    /// Holes over whole pages, zeros over the parts of pages at the ends.
    mutating func punchHole(at offset: UInt64, length: UInt64) {
        zero(from: offset, to: min(offset + length, max(size, offset)))
    }

    private mutating func zero(from start: UInt64, to end: UInt64) {
        guard start < end else { return }
        for page in pages.keys where page * Self.pageBytes < end && (page + 1) * Self.pageBytes > start {
            let pageStart = page * Self.pageBytes
            if start <= pageStart && end >= pageStart + Self.pageBytes {
                pages.removeValue(forKey: page)
            } else {
                let from = Int(max(start, pageStart) - pageStart), to = Int(min(end, pageStart + Self.pageBytes) - pageStart)
                pages[page]!.replaceSubrange(from..<to, with: repeatElement(0, count: to - from))
            }
        }
    }

    /// Runs of pages that hold data, as SEEK_DATA/SEEK_HOLE report them (within the size).
    func dataRanges() -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        for page in pages.keys.sorted() where page * Self.pageBytes < size {
            let start = page * Self.pageBytes, end = min(start + Self.pageBytes, size)
            if let last = ranges.last, last.upperBound == start {
                ranges[ranges.count - 1] = last.lowerBound..<end
            } else {
                ranges.append(start..<end)
            }
        }
        return ranges
    }

    func hasPage(_ page: UInt64) -> Bool { pages[page] != nil }

    var allocatedBytes: UInt64 { UInt64(pages.count) * Self.pageBytes }

    /// Pages whose bytes differ between two versions of a file.
    static func differingPages(_ a: SparseContent, _ b: SparseContent) -> [UInt64] {
        var keys = Set(a.pages.keys)
        keys.formUnion(b.pages.keys)
        return keys.filter { a.pages[$0] != b.pages[$0] }.sorted()
    }

    /// One page taken from another version of the file (a page the kernel wrote back before the cut).
    mutating func takePage(_ page: UInt64, from other: SparseContent) {
        pages[page] = other.pages[page]
        if other.pages[page] != nil { size = max(size, min(other.size, (page + 1) * Self.pageBytes)) }
    }

    mutating func takeSize(from other: SparseContent) { setSize(other.size) }
}
