/// A Tesla dashcam clip file name: `YYYY-MM-DD_HH-MM-SS-<camera>.mp4`.
///
/// The camera is kept as text (`front`, `back`, `left_repeater`, `right_repeater`, `left_pillar`,
/// `right_pillar`, ...) so cameras added by future firmware parse without code changes.
public struct TeslaClipName: Hashable, Sendable, CustomStringConvertible {
    /// When the clip starts.
    public let timestamp: TeslaTimestamp
    /// The camera name: ASCII letters, digits and `_`, never empty.
    public let camera: String

    /// Creates a name; nil when `camera` is empty or holds characters other than ASCII letters, digits, `_`.
    public init?(timestamp: TeslaTimestamp, camera: String) {
        guard Self.isCameraName(camera[...]) else { return nil }
        self.timestamp = timestamp
        self.camera = camera
    }

    /// Parses a file name; the `.mp4` extension matches in any case (FAT tools may upper-case it).
    /// Nil for anything else, including directory paths.
    public init?(_ fileName: some StringProtocol) {
        let name = Substring(fileName)
        guard name.utf8.count > 24, name.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let stem = name.dropLast(4)
        guard name.suffix(4).lowercased() == ".mp4", let stamp = TeslaTimestamp(stem.prefix(19)) else { return nil }
        let rest = stem.dropFirst(19)
        guard rest.first == "-" else { return nil }
        self.init(timestamp: stamp, camera: String(rest.dropFirst()))
    }

    /// The canonical file name, `YYYY-MM-DD_HH-MM-SS-<camera>.mp4`.
    public var description: String { "\(timestamp)-\(camera).mp4" }

    /// Seconds since 1970 of the start stamp, read as UTC.
    public var secondsSince1970: Int64 { timestamp.secondsSince1970 }

    static func isCameraName(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
