/// One `sei_message()` of an H.264 SEI NAL unit: its payload type and its payload bytes.
struct SEIMessage: Hashable, Sendable {
    /// `payloadType`; 5 is `user_data_unregistered`, the one Tesla uses.
    let payloadType: Int
    /// The payload, a slice of the RBSP the message was parsed from.
    let payload: ArraySlice<UInt8>
    /// True when the declared `payloadSize` ran past the end of the NAL and `payload` is what was there.
    let sizeWasTruncated: Bool

    static let userDataUnregistered = 5

    /// The messages of an SEI RBSP (emulation prevention already removed, NAL header byte not included).
    ///
    /// Types and sizes are coded as runs of 0xFF plus a last byte (H.264 7.3.2.3.1); the list ends at the
    /// `rbsp_trailing_bits`. A message whose size runs past the end keeps what is there (less the trailing bits)
    /// and ends the list: a hostile size can neither read out of bounds nor make a later message out of payload
    /// bytes.
    static func messages(inRBSP rbsp: [UInt8]) -> [SEIMessage] {
        let body = rbsp[...]
        var messages: [SEIMessage] = []
        var index = body.startIndex
        func codedNumber() -> Int? {
            var value = 0
            while index < body.endIndex {
                let byte = body[index]
                index += 1
                value += Int(byte)
                if byte != 0xFF { return value }
            }
            return nil
        }
        while index < body.endIndex, !RBSP.isTrailingBits(body[index...]) {
            guard let type = codedNumber(), let size = codedNumber() else { break }
            let available = body.endIndex - index
            if size > available {
                let rest = RBSP.trimmingTrailingBits(body[index...])
                messages.append(SEIMessage(payloadType: type, payload: rest, sizeWasTruncated: true))
                break
            }
            messages.append(SEIMessage(payloadType: type, payload: body[index..<(index + size)], sizeWasTruncated: false))
            index += size
        }
        return messages
    }
}
