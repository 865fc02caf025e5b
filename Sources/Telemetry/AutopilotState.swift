/// Which driver assistance is in control (`SeiMetadata.autopilot_state`).
///
/// An open set over the protobuf enum number, like `Gear`.
public struct AutopilotState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The protobuf enum number.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The driver drives.
    public static let none = AutopilotState(rawValue: 0)
    /// Full Self-Driving (Supervised).
    public static let selfDriving = AutopilotState(rawValue: 1)
    /// Autosteer (steering and speed).
    public static let autosteer = AutopilotState(rawValue: 2)
    /// Traffic-Aware Cruise Control (speed only).
    public static let trafficAwareCruiseControl = AutopilotState(rawValue: 3)

    /// The name in `SeiMetadata.proto` (`AUTOSTEER`); the number when unknown.
    public var protoName: String {
        switch rawValue {
        case 0: "NONE"
        case 1: "SELF_DRIVING"
        case 2: "AUTOSTEER"
        case 3: "TACC"
        default: "\(rawValue)"
        }
    }

    /// True when any assistance is engaged (what "share of time under Autopilot" counts).
    public var isEngaged: Bool { self != .none }

    public var description: String { protoName }
}
