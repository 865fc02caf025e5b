import Foundation
import MP4

/// Rewrites an ffmpeg fixture into the layout Tesla's muxer writes: `ctts` version 1 with negative offsets (the
/// edit list's media time taken out of every offset), and no edit list (`edts` renamed `free`) or, with
/// `keepEditList`, one whose media time is 0.
enum TeslaStyle {
    static func clip(from original: [UInt8], keepEditList: Bool = false) throws -> [UInt8] {
        var bytes = original
        func find(_ path: [String], in range: Range<Int>) -> (offset: Int, size: Int)? {
            var at = range.lowerBound
            while at + 8 <= range.upperBound {
                let size = Int(bytes[at..<at + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                let type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
                guard size >= 8 else { return nil }
                if type == path[0] {
                    return path.count == 1 ? (at, size) : find(Array(path.dropFirst()), in: (at + 8)..<(at + size))
                }
                at += size
            }
            return nil
        }
        func u32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        func put(_ value: UInt32, _ at: Int) { for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) } }
        let all = 0..<bytes.count
        guard let ctts = find(["moov", "trak", "mdia", "minf", "stbl", "ctts"], in: all),
            let edts = find(["moov", "trak", "edts"], in: all), let elst = find(["moov", "trak", "edts", "elst"], in: all),
            bytes[elst.offset + 8] == 0
        else { throw FixtureError("the fixture has no ctts or version-0 elst") }
        let mediaTime = Int32(bitPattern: u32(elst.offset + 8 + 12))
        bytes[ctts.offset + 8] = 1
        for index in 0..<Int(u32(ctts.offset + 12)) {
            let at = ctts.offset + 16 + 8 * index + 4
            put(UInt32(bitPattern: Int32(bitPattern: u32(at)) - mediaTime), at)
        }
        if keepEditList {
            put(0, elst.offset + 8 + 12)
        } else {
            bytes.replaceSubrange((edts.offset + 4)..<(edts.offset + 8), with: Array("free".utf8))
        }
        return bytes
    }
}
