/// An 11-byte, space-padded volume label, as stored in the boot sector and in the root directory's label entry.
public struct VolumeLabel: Hashable, Sendable, CustomStringConvertible {
    /// The label a FAT volume has when it has none.
    public static let none = VolumeLabel(unchecked: Array("NO NAME    ".utf8))
    public static let teslaCam = VolumeLabel(unchecked: Array("TESLACAM   ".utf8))

    /// Exactly 11 bytes.
    public let bytes: [UInt8]

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Validates `label`: 1–11 characters that are allowed in an 8.3 name (spaces allowed, not leading), lowercase
    /// letters uppercased as Windows does.
    public init(_ label: String) throws(FAT32Error) {
        let scalars = Array(label.unicodeScalars)
        guard !scalars.isEmpty else { throw .invalidLabel(label: label, reason: "it is empty") }
        guard scalars.count <= 11 else {
            throw .invalidLabel(label: label, reason: "it has \(scalars.count) characters; at most 11 fit")
        }
        guard scalars.first != " " else { throw .invalidLabel(label: label, reason: "it starts with a space") }
        var bytes: [UInt8] = []
        for scalar in scalars {
            guard let byte = ShortName.shortNameByte(scalar, allowSpace: true) else {
                throw .invalidLabel(
                    label: label,
                    reason: "\"\(scalar)\" is not allowed (use A–Z, 0–9, space and ! # $ % & ' ( ) - @ ^ _ ` { } ~)")
            }
            bytes.append(byte)
        }
        self.bytes = bytes + Array(repeating: 0x20, count: 11 - bytes.count)
    }

    /// Never fails: uppercases, replaces characters that are not allowed with `_`, truncates to 11 characters;
    /// an empty result becomes `NO NAME`.
    public init(lossy label: String) {
        var bytes: [UInt8] = []
        for scalar in label.unicodeScalars.prefix(11) {
            bytes.append(ShortName.shortNameByte(scalar, allowSpace: true) ?? UInt8(ascii: "_"))
        }
        while bytes.first == 0x20 { bytes.removeFirst() }
        if bytes.isEmpty {
            self = .none
        } else {
            self.bytes = bytes + Array(repeating: 0x20, count: 11 - bytes.count)
        }
    }

    /// Any 11 bytes as read from disk (no validation: the label is informational).
    public init(decoding bytes: some Collection<UInt8>) throws(FAT32Error) {
        self.bytes = try prefixBytes(bytes, count: 11, structure: "volume label")
    }

    public func encoded() -> [UInt8] { bytes }

    /// The label without trailing spaces.
    public var description: String { ShortName.string(from: bytes).trimmingTrailingSpaces() }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
