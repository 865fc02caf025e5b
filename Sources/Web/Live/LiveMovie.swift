import ClipRepair
import MP4

/// The first `upto` bytes of a clip the car is still recording, as a browser plays them: the frames indexed the
/// way `ClipRepair` indexes a truncated clip (a reference clip of the same camera lends the codec settings and
/// frame timing), laid out `ftyp`, `moov`, `mdat` so the player learns the whole index from the first request.
///
/// Deterministic in `upto`: the car only appends, so the view of the first `upto` bytes is the same whenever it
/// is built, and every range request of one video element (which names its `upto`) sees one consistent file.
struct LiveMovie: Sendable {
    let upto: UInt64
    let pieces: [RepairPlan.Piece]
    let frames: Int
    /// Seconds of video in the view.
    let duration: Double

    var length: UInt64 { pieces.reduce(0) { $0 + $1.count } }

    /// Plans the view with `ClipRepair`, its frame walk resumed by `scanner`.
    static func build(
        upto: UInt64, read: (UInt64, Int) -> [UInt8], reference: RepairReference, scanner: inout FrameScanner
    ) throws(RepairError) -> LiveMovie {
        // The plan's walk hook may escape (it is optional), so the walk's state travels in a box.
        final class Walk { var scanner: FrameScanner; init(_ scanner: FrameScanner) { self.scanner = scanner } }
        let walk = Walk(scanner)
        let planned = withoutActuallyEscaping(read) { read in
            Result { () throws(RepairError) in
                try ClipRepair.plan(fileSize: upto, read: read, reference: reference) { start, end, limit in
                    walk.scanner.scan(from: start, to: end, lengthSize: reference.nalLengthSize, limit: limit, read: read)
                }
            }
        }
        let plan = try planned.get()
        scanner = walk.scanner
        return LiveMovie(upto: upto, pieces: faststart(plan.pieces) ?? plan.pieces, frames: plan.frames,
                         duration: plan.duration)
    }

    /// A repair plan's `prefix+mdat header, frames, moov` reordered to `prefix, moov, mdat header, frames`, the
    /// moov's chunk offsets moved by its own length; nil when the plan is not of that shape or an offset would
    /// overflow its field (the plan's own order plays too, with one more request).
    static func faststart(_ pieces: [RepairPlan.Piece]) -> [RepairPlan.Piece]? {
        guard pieces.count == 3, case let .bytes(head) = pieces[0], case let .copy(offset, count) = pieces[1],
              case let .bytes(moov) = pieces[2] else { return nil }
        let mdat = Array("mdat".utf8)
        let headerLength: Int
        if head.count >= 8, Array(head[(head.count - 4)...]) == mdat {
            headerLength = 8
        } else if head.count >= 16, Array(head[(head.count - 12)..<(head.count - 8)]) == mdat {
            headerLength = 16
        } else {
            return nil
        }
        guard var moved = ChunkOffsets.shift(moov, by: UInt64(moov.count)) else { return nil }
        moved = Array(head[..<(head.count - headerLength)]) + moved + Array(head[(head.count - headerLength)...])
        return [.bytes(moved), .copy(offset: offset, count: count)]
    }
}

/// Moves every chunk offset (`stco`, `co64`) of a `moov` by a number of bytes: what moving the `mdat` after the
/// `moov` asks of the index.
enum ChunkOffsets {
    static let containers: Set<FourCC> = ["moov", "trak", "mdia", "minf", "stbl"]

    /// A copy of `moov` (the whole box) with its offsets moved; nil when the boxes do not parse or one overflows.
    static func shift(_ moov: [UInt8], by delta: UInt64) -> [UInt8]? {
        var bytes = moov
        func read(_ offset: UInt64, _ count: Int) -> [UInt8] {
            guard offset < UInt64(moov.count) else { return [] }
            return Array(moov[Int(offset)..<Int(min(UInt64(moov.count), offset + UInt64(count)))])
        }
        func walk(_ range: Range<UInt64>) -> Bool {
            let scan = MP4.scanBoxes(in: range, read: read)
            guard scan.isComplete else { return false }
            for box in scan.boxes {
                if containers.contains(box.type) {
                    guard walk(box.payloadOffset..<box.end) else { return false }
                } else if box.type == "stco" || box.type == "co64" {
                    let width = box.type == "co64" ? 8 : 4
                    let table = Int(box.payloadOffset)
                    guard box.payloadSize >= 8 else { return false }
                    let entries = Int(bytes.bigEndian(at: table + 4, count: 4) ?? 0)
                    guard UInt64(8 + entries * width) <= box.payloadSize else { return false }
                    for index in 0..<entries {
                        let at = table + 8 + index * width
                        guard let value = bytes.bigEndian(at: at, count: width) else { return false }
                        let (sum, overflow) = value.addingReportingOverflow(delta)
                        guard !overflow, width == 8 || sum <= UInt64(UInt32.max) else { return false }
                        for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(width - 1 - k))) }
                    }
                }
            }
            return true
        }
        return walk(0..<UInt64(moov.count)) ? bytes : nil
    }
}

extension Array where Element == UInt8 {
    /// A big-endian unsigned integer of `count` bytes at `offset`; nil past the end.
    func bigEndian(at offset: Int, count: Int) -> UInt64? {
        guard offset >= 0, offset + count <= self.count else { return nil }
        return self[offset..<(offset + count)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
