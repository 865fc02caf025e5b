/// A same-length rewrite of a clip's `moov` that every browser's MP4 demuxer reads alike, served as byte patches
/// so a web server can apply it to any range it reads (byte ranges of the original and the served clip map
/// one to one).
///
/// What it neutralises: composition offsets below zero. Tesla writes `ctts` so that B-frames are shown before
/// they are decoded (negative offsets, a negative first timestamp); Chromium refused such clips for years, and
/// teslausb blanks the `ctts` fourcc, which throws away the frame order (B-frames shown out of order, a stutter
/// every few frames). The correct fix, in place: add the smallest offset's magnitude `D` to every offset (all
/// non-negative, `ctts` version 0, read alike by all demuxers), and add `D` to the edit list's media time so
/// the first frame is still shown at time 0. Without an edit list, the track simply starts `D` later (a few tens
/// of milliseconds; there is no room for a new box without changing the length).
///
/// Measured (docs/BENCHMARKS.md): Debian 12's Chromium 156 plays ffmpeg's layout and Tesla's negative offsets
/// alike, so for it the patches change nothing visible; they matter for players that still read version-0
/// offsets as unsigned.
public enum BrowserPlayable {
    /// Bytes to put at a file offset in place of the original's.
    public struct Patch: Hashable, Sendable {
        public let offset: UInt64
        public let bytes: [UInt8]

        public init(offset: UInt64, bytes: [UInt8]) {
            self.offset = offset
            self.bytes = bytes
        }
    }

    /// The patches for a clip whose whole `moov` box (header included) is `moov`, found at `moovOffset` in the
    /// file. Empty when nothing needs changing (no `ctts`, or no negative offsets) or the boxes are malformed:
    /// the clip is then served as it is.
    public static func patches(forMoov moov: [UInt8], at moovOffset: UInt64) -> [Patch] {
        let top = MP4.scanBoxes(in: moov, range: 0..<moov.count)
        guard let box = top.boxes.first, box.type == .moov, box.end <= UInt64(moov.count),
            let traks = try? MovieInfo.children(of: box, in: moov, path: "moov")
        else { return [] }
        var patches: [Patch] = []
        for trak in traks where trak.type == .trak {
            patches += trakPatches(trak, in: moov).map { Patch(offset: moovOffset + $0.offset, bytes: $0.bytes) }
        }
        return patches
    }

    /// Reads the clip's `moov` through `read` and returns its patches (empty for a clip without one).
    public static func patches(fileSize: UInt64, read: (UInt64, Int) -> [UInt8]) -> [Patch] {
        let scan = MP4.scanBoxes(fileSize: fileSize, read: read)
        guard let moov = scan.first(.moov), moov.size <= MP4.maximumMoovSize else { return [] }
        let bytes = read(moov.offset, Int(moov.size))
        guard bytes.count == Int(moov.size) else { return [] }
        return patches(forMoov: bytes, at: moov.offset)
    }

    /// Applies the patches that overlap `bytes`, which hold the file's bytes from `offset` on.
    public static func apply(_ patches: [Patch], to bytes: inout [UInt8], at offset: UInt64) {
        let end = offset + UInt64(bytes.count)
        for patch in patches {
            let patchEnd = patch.offset + UInt64(patch.bytes.count)
            guard patch.offset < end, patchEnd > offset else { continue }
            let from = max(patch.offset, offset)
            let to = min(patchEnd, end)
            for position in from..<to {
                bytes[Int(position - offset)] = patch.bytes[Int(position - patch.offset)]
            }
        }
    }

    static func trakPatches(_ trak: Box, in moov: [UInt8]) -> [Patch] {
        guard let children = try? MovieInfo.children(of: trak, in: moov, path: "trak"),
            let mdia = children.first(where: { $0.type == .mdia }),
            let minf = (try? MovieInfo.children(of: mdia, in: moov, path: "mdia"))?.first(where: { $0.type == .minf }),
            let stbl = (try? MovieInfo.children(of: minf, in: moov, path: "minf"))?.first(where: { $0.type == .stbl }),
            let ctts = (try? MovieInfo.children(of: stbl, in: moov, path: "stbl"))?.first(where: { $0.type == .ctts })
        else { return [] }
        let start = Int(ctts.payloadOffset)
        guard let count = moov.uint32(at: start + 4) else { return [] }
        let room = (Int(ctts.end) - start - 8) / 8
        let entries = min(Int(count), max(0, room))
        // Read as signed whatever the version: writers put negative offsets in version 0 too.
        func offset(_ index: Int) -> Int64 { Int64(Int32(bitPattern: moov.uint32(at: start + 12 + 8 * index) ?? 0)) }
        guard entries > 0 else { return [] }
        let smallest = (0..<entries).map(offset).min() ?? 0
        guard smallest < 0 else { return [] }
        let shift = -smallest
        guard (0..<entries).allSatisfy({ offset($0) + shift <= Int64(Int32.max) }) else { return [] }
        var table = Array(moov[start..<(start + 8 + 8 * entries)])
        table[0] = 0  // version 0: non-negative offsets
        for index in 0..<entries {
            let value = UInt32(offset(index) + shift)
            table.replaceSubrange((12 + 8 * index)..<(16 + 8 * index), with: bigEndianBytes(UInt64(value), count: 4))
        }
        var patches = [Patch(offset: UInt64(start), bytes: table)]
        if let edit = editPatch(children: children, in: moov, shift: UInt64(shift)) { patches.append(edit) }
        return patches
    }

    /// The first non-empty edit's media time moved by `shift`, so the same frame still opens the clip.
    static func editPatch(children: [Box], in moov: [UInt8], shift: UInt64) -> Patch? {
        guard let edts = children.first(where: { $0.type == "edts" }),
            let elst = (try? MovieInfo.children(of: edts, in: moov, path: "edts"))?.first(where: { $0.type == "elst" })
        else { return nil }
        let start = Int(elst.payloadOffset)
        guard start < moov.count, moov[start] <= 1, let count = moov.uint32(at: start + 4) else { return nil }
        let version = moov[start]
        let width = version == 1 ? 8 : 4
        let entrySize = 2 * width + 4
        for index in 0..<Int(min(count, 64)) {
            let at = start + 8 + entrySize * index + width
            guard let time = moov.bigEndian(at: at, count: width) else { return nil }
            let signed = width == 8 ? Int64(bitPattern: time) : Int64(Int32(bitPattern: UInt32(time)))
            if signed == -1 { continue }  // an empty edit (a gap): the next one starts the media
            guard signed >= 0 else { return nil }
            let moved = UInt64(signed) + shift
            guard width == 8 || moved <= UInt64(Int32.max) else { return nil }
            return Patch(offset: UInt64(at), bytes: bigEndianBytes(moved, count: width))
        }
        return nil
    }
}
