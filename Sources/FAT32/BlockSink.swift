/// Something a formatter can lay bytes into: a block device, an image file, an in-memory model.
public protocol BlockSink {
    /// Writes `bytes` at absolute byte `offset` of the disk.
    mutating func write(_ bytes: [UInt8], at offset: UInt64)
}
