/// A box located in a file (or in a container's payload): its header plus where it lies.
public struct Box: Hashable, Sendable {
    /// The parsed header.
    public let header: BoxHeader
    /// Offset of the header's first byte, relative to the scanned bytes.
    public let offset: UInt64
    /// Total size in bytes, header included; a `.toEnd` size resolved against the container end.
    public let size: UInt64

    /// Creates a located box.
    public init(header: BoxHeader, offset: UInt64, size: UInt64) {
        self.header = header
        self.offset = offset
        self.size = size
    }

    /// The box type.
    public var type: FourCC { header.type }
    /// Offset of the first payload byte.
    public var payloadOffset: UInt64 { offset + UInt64(header.length) }
    /// Payload length: the size less the header.
    public var payloadSize: UInt64 { size - UInt64(header.length) }
    /// Offset just past the box (may exceed the container when the box is truncated).
    public var end: UInt64 { offset.addingReportingOverflow(size).overflow ? .max : offset + size }
}
