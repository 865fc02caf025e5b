/// Where a scan of an `mdat` can pick up again after a damaged stretch (clusters the car never wrote): the next
/// access unit that opens with Tesla's telemetry SEI and whose picture is an IDR slice, so everything after it
/// decodes without the lost frames.
///
/// Tesla's marker (SEI header byte 0x06, payload type 5, a size, a run of 0x42, then 0x69) is what makes a
/// match in high-entropy slice data practically impossible; a clip without telemetry (parked, Sentry) is not
/// resumed, its repair ends at the damage.
enum KeyframeSearch {
    static let window = 1 << 20

    static func next(after damaged: UInt64, end: UInt64, lengthSize: Int, read: (UInt64, Int) -> [UInt8]) -> UInt64? {
        var base = damaged + 1
        while base < end {
            let bytes = read(base, Int(min(UInt64(window), end - base)))
            guard bytes.count > 8 else { return nil }
            var index = 0
            while index + 8 < bytes.count {
                if bytes[index] == 0x06, bytes[index + 1] == 0x05, bytes[index + 3] == 0x42,
                    let run = bytes[(index + 3)...].prefix(32).firstIndex(where: { $0 != 0x42 }), bytes[run] == 0x69 {
                    let nal = base + UInt64(index)
                    if nal >= damaged + 1 + UInt64(lengthSize), let start = keyframe(at: nal - UInt64(lengthSize), end: end,
                                                                                    lengthSize: lengthSize, read: read) {
                        return start
                    }
                }
                index += 1
            }
            // Overlap the next window by a header's worth, so a marker across the boundary is still found.
            base += UInt64(max(1, bytes.count - 8))
        }
        return nil
    }

    /// `start` when the NAL units from there are a plausible SEI followed, within a few units, by an IDR slice
    /// with first_mb_in_slice 0.
    static func keyframe(at start: UInt64, end: UInt64, lengthSize: Int, read: (UInt64, Int) -> [UInt8]) -> UInt64? {
        var position = start
        for _ in 0..<8 {
            let head = read(position, lengthSize + 2)
            guard head.count == lengthSize + 2 else { return nil }
            let length = head.prefix(lengthSize).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let header = NALHeader(byte: head[lengthSize])
            guard length >= 2, length <= end - position - UInt64(lengthSize), header.isPlausible else { return nil }
            if header.isSlice { return header.isIDR && head[lengthSize + 1] & 0x80 != 0 ? start : nil }
            guard [6, 7, 8, 9].contains(header.type) else { return nil }
            position += UInt64(lengthSize) + length
        }
        return nil
    }
}
