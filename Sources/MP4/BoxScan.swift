/// The boxes found at one level of a file or container, and why scanning stopped early, if it did.
public struct BoxScan: Hashable, Sendable {
    /// Every box whose header parsed, in order. When `problem` is `.truncatedBox`, the last box is that
    /// truncated one, with its declared size, so callers can see e.g. an `mdat` still being written.
    public let boxes: [Box]
    /// Nil when the boxes tile the range exactly; otherwise what stopped the scan.
    public let problem: MP4Error?

    /// Creates a scan result.
    public init(boxes: [Box], problem: MP4Error?) {
        self.boxes = boxes
        self.problem = problem
    }

    /// True when the boxes tile the scanned range exactly, with nothing truncated or left over.
    public var isComplete: Bool { problem == nil }

    /// The first box of the given type that lies entirely within the range.
    public func first(_ type: FourCC) -> Box? {
        completeBoxes.first { $0.type == type }
    }

    /// The boxes that lie entirely within the range (all but a truncated last one).
    public var completeBoxes: ArraySlice<Box> {
        if case .truncatedBox = problem { return boxes.dropLast() }
        return boxes[...]
    }
}

extension MP4 {
    /// Upper bound on boxes at one level, so a file of tiny garbage boxes cannot make us build a huge list.
    public static let defaultBoxLimit = 100_000

    /// The most boxes a range of `bytes` yields: `limit`, and no more than one per two `MemoryLayout<Box>.stride`
    /// bytes (with 16 always allowed), so the list, with the room a growing array keeps, never takes more memory
    /// than the range has bytes. Real files have a handful of boxes at each level, each far larger; a run of 8-byte
    /// boxes is garbage.
    public static func boxLimit(_ limit: Int, bytes: UInt64) -> Int {
        min(limit, max(16, Int(clamping: bytes / UInt64(2 * MemoryLayout<Box>.stride))))
    }

    /// Lists the top-level boxes of a file of `fileSize` bytes.
    ///
    /// Never traps and always terminates: every box advances the scan by at least its header length,
    /// and a size smaller than the header stops it with an error.
    ///
    /// - Parameter read: returns the bytes at (offset, count); fewer than asked only past the end of file.
    public static func scanBoxes(
        fileSize: UInt64, limit: Int = defaultBoxLimit, read: (UInt64, Int) -> [UInt8]
    ) -> BoxScan {
        scanBoxes(in: 0..<fileSize, limit: limit, read: read)
    }

    /// Lists the boxes that tile `range` (e.g. a container's payload), reading through `read`.
    public static func scanBoxes(
        in range: Range<UInt64>, limit: Int = defaultBoxLimit, read: (UInt64, Int) -> [UInt8]
    ) -> BoxScan {
        var boxes: [Box] = []
        var offset = range.lowerBound
        let limit = boxLimit(limit, bytes: range.upperBound - range.lowerBound)
        while offset < range.upperBound {
            guard boxes.count < limit else { return BoxScan(boxes: boxes, problem: .tooManyBoxes(offset: offset, limit: limit)) }
            let available = range.upperBound - offset
            let wanted = Int(min(available, UInt64(BoxHeader.maximumLength)))
            let bytes = read(offset, wanted)
            guard bytes.count >= min(wanted, BoxHeader.minimumLength) else {
                return BoxScan(boxes: boxes, problem: .shortRead(offset: offset, requested: wanted, got: bytes.count))
            }
            let header: BoxHeader
            do {
                header = try BoxHeader(parsing: Array(bytes.prefix(wanted)), offset: offset)
            } catch {
                return BoxScan(boxes: boxes, problem: error)
            }
            let size: UInt64
            switch header.size {
            case .toEnd: size = available
            case let .bytes(declared): size = declared
            }
            let box = Box(header: header, offset: offset, size: size)
            boxes.append(box)
            guard size <= available else {
                return BoxScan(
                    boxes: boxes,
                    problem: .truncatedBox(type: header.type, offset: offset, size: size, available: available))
            }
            offset += size
        }
        return BoxScan(boxes: boxes, problem: nil)
    }

    /// Lists the boxes tiling `bytes[range]` of an in-memory buffer; offsets are relative to `bytes`.
    static func scanBoxes(in bytes: [UInt8], range: Range<Int>) -> BoxScan {
        scanBoxes(in: UInt64(range.lowerBound)..<UInt64(range.upperBound)) { offset, count in
            let start = min(Int(offset), bytes.count)
            return Array(bytes[start..<min(start + count, bytes.count)])
        }
    }
}
