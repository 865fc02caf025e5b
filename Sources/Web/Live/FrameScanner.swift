import ClipRepair

/// The frames of a growing `mdat`, walked once: each re-plan resumes after the frames already settled instead of
/// reading the whole clip again (a repair's walk reads every byte of every frame, tens of MB a minute).
///
/// A frame counts as settled when a later frame follows it without a gap: the last frame of a walk may end at a
/// NAL boundary inside a multi-slice picture the car is still writing, and a damaged stretch may be bytes the car
/// has not written yet; both are walked again next time.
struct FrameScanner: Sendable {
    private(set) var start: UInt64 = 0
    private(set) var settled: [AccessUnit] = []

    /// Where the next walk begins.
    var resumeOffset: UInt64 { settled.last.map { $0.offset + $0.size } ?? start }

    mutating func scan(
        from start: UInt64, to end: UInt64, lengthSize: Int, limit: Int, read: (UInt64, Int) -> [UInt8]
    ) -> AccessUnitScan {
        // Another mdat, or a file shorter than what was settled (the car rewrote it): start over.
        if start != self.start || end < resumeOffset {
            self.start = start
            settled = []
        }
        let resume = resumeOffset
        var walk = AccessUnitScan.scan(from: resume, to: end, lengthSize: lengthSize,
                                       limit: max(0, limit - settled.count), read: read)
        let units = settled + walk.units
        var contiguous = 0
        var next = start
        while contiguous < units.count, units[contiguous].offset == next {
            next = units[contiguous].offset + units[contiguous].size
            contiguous += 1
        }
        settled = Array(units.prefix(max(0, contiguous - 1)))
        walk.units = units
        return walk
    }
}
