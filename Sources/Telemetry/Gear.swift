/// The drive selector, as the car reports it (`SeiMetadata.gear_state`).
///
/// An open set over the protobuf enum number, so a value from newer firmware is kept, shown and compared
/// (and a frame stays small: see `TelemetryReader`'s memory bound).
public struct Gear: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The protobuf enum number.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let park = Gear(rawValue: 0)
    public static let drive = Gear(rawValue: 1)
    public static let reverse = Gear(rawValue: 2)
    public static let neutral = Gear(rawValue: 3)

    /// The name in `SeiMetadata.proto` (`GEAR_DRIVE`), as Tesla's extractor prints it; the number when unknown.
    public var protoName: String {
        switch rawValue {
        case 0: "GEAR_PARK"
        case 1: "GEAR_DRIVE"
        case 2: "GEAR_REVERSE"
        case 3: "GEAR_NEUTRAL"
        default: "\(rawValue)"
        }
    }

    /// The letter on the car's display.
    public var letter: String {
        switch rawValue {
        case 0: "P"
        case 1: "D"
        case 2: "R"
        case 3: "N"
        default: "\(rawValue)"
        }
    }

    public var description: String { letter }
}
