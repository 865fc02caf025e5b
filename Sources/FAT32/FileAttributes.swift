/// The attribute byte of a directory entry (offset 11).
public struct FileAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readOnly = FileAttributes(rawValue: 0x01)
    public static let hidden = FileAttributes(rawValue: 0x02)
    public static let system = FileAttributes(rawValue: 0x04)
    /// The entry is the volume label (only in the root directory), not a file.
    public static let volumeLabel = FileAttributes(rawValue: 0x08)
    public static let directory = FileAttributes(rawValue: 0x10)
    public static let archive = FileAttributes(rawValue: 0x20)
    /// The combination that marks a VFAT long-name entry; old DOS skips such entries as hidden volume labels.
    public static let longName: FileAttributes = [.readOnly, .hidden, .system, .volumeLabel]

    /// Whether these are the attributes of a long-name entry (the two high bits are ignored, as Linux does).
    public var isLongName: Bool { rawValue & 0x3F == 0x0F }
}

/// Byte 12 of a directory entry: Windows NT and Linux keep the case of an all-lowercase base or extension here
/// instead of writing a long name.
public struct CaseFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let lowercaseBase = CaseFlags(rawValue: 0x08)
    public static let lowercaseExtension = CaseFlags(rawValue: 0x10)
}
