/// Tesla's framing of `SeiMetadata` inside a `user_data_unregistered` SEI payload: a run of `0x42` bytes
/// ("B"), one `0x69` ("i"), then the protobuf. Tesla does not use the standard's 16-byte UUID there.
enum TeslaSEI {
    static let runByte: UInt8 = 0x42
    static let endByte: UInt8 = 0x69

    /// The protobuf bytes of a Tesla payload, or nil when the payload is someone else's (x264 writes its settings
    /// as user data too): at least one 0x42, then 0x69.
    static func metadataBytes(inPayload payload: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let end = payload.firstIndex(where: { $0 != runByte }), end > payload.startIndex, payload[end] == endByte
        else { return nil }
        return payload[(end + 1)...]
    }
}
