import MP4
import Telemetry

/// One frame found in an `mdat` without an index: where its NAL units lie, whether it is a key frame, and the
/// car's frame counter from its SEI telemetry when it carries one.
public struct AccessUnit: Hashable, Sendable {
    public let offset: UInt64
    public let size: UInt64
    public let isKeyframe: Bool
    /// `SeiMetadata.frame_seq_no`: the car counts frames in capture (display) order.
    public let frameSequence: UInt64?
}

/// The frames of an `mdat` found by walking its AVCC length prefixes (untrunc's approach), and why the walk
/// stopped.
public struct AccessUnitScan: Hashable, Sendable {
    public enum Stop: Hashable, Sendable {
        /// The data ended exactly after a NAL unit.
        case endOfData
        /// A NAL unit (or its length) runs past the data: the cut.
        case cutNAL(offset: UInt64)
        /// A NAL unit holds three zero bytes in a row or ends in a zero byte, which emulation prevention rules out:
        /// zeroed (never written) clusters lie in it.
        case damagedNAL(offset: UInt64)
        /// A zero length prefix: never-written (zeroed) bytes.
        case zeroLength(offset: UInt64)
        /// Bytes that cannot be a NAL unit header.
        case implausibleNAL(offset: UInt64, header: UInt8)
        /// More frames than the file's size can honestly hold (a hostile file).
        case frameLimit
    }

    public var units: [AccessUnit]
    public var stop: Stop
    /// Damaged stretches skipped by resuming at the next key frame that carries Tesla's SEI.
    public var gaps: Int = 0

    /// Where the last whole frame ends (`start` when there is none).
    public func end(from start: UInt64) -> UInt64 { units.last.map { $0.offset + $0.size } ?? start }

    /// Whether a NAL unit's bytes can be H.264's: never 0x00 0x00 0x00 (emulation prevention inserts 0x03 before
    /// any third byte below 4, cabac_zero_words included) and never a last byte of 0 (the RBSP stop bit is in it).
    /// A cluster the car never wrote reads as zeros, so this finds one anywhere in a frame. Reads the unit in
    /// pieces of at most 1 MiB: a repair reads every byte of the frames once, which it copies anyway.
    static func isIntact(from offset: UInt64, count: UInt64, read: (UInt64, Int) -> [UInt8]) -> Bool {
        var done: UInt64 = 0
        var zeros = 0
        var last: UInt8 = 0
        while done < count {
            let piece = read(offset + done, Int(min(count - done, 1 << 20)))
            guard !piece.isEmpty else { return false }
            for byte in piece {
                zeros = byte == 0 ? zeros + 1 : 0
                if zeros == 3 { return false }
            }
            last = piece[piece.count - 1]
            done += UInt64(piece.count)
        }
        return last != 0
    }

    /// SEI NAL units larger than this are not decoded for their frame counter.
    static let maximumSEISize = 64 << 10

    /// Walks `start..<end` as AVCC NAL units (`lengthSize`-byte big-endian lengths) and groups them into
    /// access units: a new one begins at an SEI, SPS, PPS or delimiter after a slice, or at a slice whose
    /// first_mb_in_slice is 0.
    ///
    /// The frame in progress when the walk stops is kept only when it is known whole: it has a slice and what
    /// stopped the walk began a new frame, or the data simply ended after it, or (for an encoder that writes one
    /// slice per picture, as the scan has seen so far) what follows cannot be read (cut length, zeros, garbage).
    /// Reads a few bytes per NAL unit, and the SEI units whole; at most `limit` frames.
    public static func scan(
        from start: UInt64, to end: UInt64, lengthSize: Int, limit: Int, read: (UInt64, Int) -> [UInt8]
    ) -> AccessUnitScan {
        var units: [AccessUnit] = []
        var current: (offset: UInt64, slices: Int, key: Bool, sequence: UInt64?)?
        var position = start
        // Whether the encoder splits pictures into several slices: then a frame whose end is not proven may lack
        // a slice, and is dropped; with one slice per picture a frame with its slice is whole.
        var multiSlice = false
        func finish(_ keep: Bool) {
            if let frame = current, frame.slices > 1 { multiSlice = true }
            if let frame = current, frame.slices > 0, keep {
                units.append(AccessUnit(offset: frame.offset, size: position - frame.offset, isKeyframe: frame.key,
                                        frameSequence: frame.sequence))
            }
            current = nil
        }
        var gaps = 0
        func stop(_ reason: Stop, keepCurrent: Bool) -> AccessUnitScan {
            finish(keepCurrent)
            return AccessUnitScan(units: units, stop: reason, gaps: gaps)
        }
        /// After damage (zeros, garbage), resumes at the next key frame that opens with Tesla's SEI, if any.
        func resume(after damaged: UInt64, keepCurrent: Bool) -> Bool {
            guard let next = KeyframeSearch.next(after: damaged, end: end, lengthSize: lengthSize, read: read) else {
                return false
            }
            finish(keepCurrent)
            position = next
            gaps += 1
            return true
        }
        let prefix = UInt64(lengthSize)
        while true {
            if position >= end { return stop(.endOfData, keepCurrent: true) }
            guard units.count < limit else { return stop(.frameLimit, keepCurrent: false) }
            let head = read(position, lengthSize + 2)
            // A cut inside the length or header: whether the next unit begins a frame is unknown.
            guard end - position > prefix, head.count > lengthSize else {
                return stop(.cutNAL(offset: position), keepCurrent: !multiSlice)
            }
            let length = head.prefix(lengthSize).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if length == 0 {
                if resume(after: position, keepCurrent: !multiSlice) { continue }
                return stop(.zeroLength(offset: position), keepCurrent: !multiSlice)
            }
            let header = NALHeader(byte: head[lengthSize])
            guard header.isPlausible else {
                if resume(after: position, keepCurrent: !multiSlice) { continue }
                return stop(.implausibleNAL(offset: position, header: header.byte), keepCurrent: !multiSlice)
            }
            let firstMacroblockIsZero = head.count > lengthSize + 1 && head[lengthSize + 1] & 0x80 != 0
            let beginsFrame = (current?.slices ?? 0) > 0
                && (header.beginsAccessUnit || (header.isSlice && length > 1 && firstMacroblockIsZero))
            let body = position + prefix
            if length > end - body {
                return stop(.cutNAL(offset: position), keepCurrent: beginsFrame)
            }
            if !isIntact(from: body, count: length, read: read) {
                if resume(after: position, keepCurrent: beginsFrame) { continue }
                return stop(.damagedNAL(offset: position), keepCurrent: beginsFrame)
            }
            if beginsFrame { finish(true) }
            if current == nil { current = (position, 0, false, nil) }
            if header.isSlice { current!.slices += 1 }
            if header.isIDR { current!.key = true }
            if header.isSEI, current!.sequence == nil, current!.slices == 0, length <= UInt64(maximumSEISize) {
                let nal = read(body, Int(length))
                if nal.count == Int(length) {
                    current!.sequence = TelemetryReader.vehicleState(inSEINAL: nal)?.frameSequence
                }
            }
            position = body + length
        }
    }
}

extension AccessUnitScan.Stop: CustomStringConvertible {
    /// What ended the scan of the frames, in words for an owner.
    public var description: String {
        switch self {
        case .endOfData: "the frames end with the data"
        case let .cutNAL(offset): "the frame at offset \(offset) was cut by the end of the file (the power cut)"
        case let .damagedNAL(offset):
            "the frame at offset \(offset) holds zeroed bytes (clusters the car never wrote) and no key frame follows"
        case let .zeroLength(offset): "zeroed bytes (never written) at offset \(offset)"
        case let .implausibleNAL(offset, header):
            "bytes at offset \(offset) are not an H.264 unit (header 0x\(String(header, radix: 16)))"
        case .frameLimit:
            "more frames than a file of this size can honestly hold (\(ClipRepair.bytesPerFrameLimit) bytes a frame "
                + "at least, \(ClipRepair.maximumFrames) at most): the rest is damaged or hostile and was left out"
        }
    }
}
