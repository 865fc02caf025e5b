/// H.264 raw byte sequence payloads: a NAL unit's bytes with the emulation-prevention bytes taken out.
enum RBSP {
    /// Drops each `0x03` that follows two zero bytes (H.264 7.4.1: the encoder inserted it so the payload can
    /// never contain a start code). The result is never longer than the input.
    static func removingEmulationPrevention(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2 && byte == 0x03 {
                zeros = 0
                continue
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    /// True when `bytes` are only `rbsp_trailing_bits`: the stop bit byte 0x80, then zero bytes (cabac_zero_words).
    static func isTrailingBits(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.first == 0x80 && bytes.dropFirst().allSatisfy { $0 == 0 }
    }

    /// `bytes` without trailing zero bytes and the stop-bit byte 0x80 before them, when there is one.
    static func trimmingTrailingBits(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0 { end -= 1 }
        if end > bytes.startIndex, bytes[end - 1] == 0x80 { end -= 1 }
        return bytes[bytes.startIndex..<end]
    }
}
