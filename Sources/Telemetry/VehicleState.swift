import SwiftProtobuf

/// What the car reported for one frame: one `SeiMetadata` message, as plain values.
///
/// Units are the car's: metres per second, degrees, m/s². Fields the car left out read as proto3 defaults (0).
public struct VehicleState: Hashable, Sendable {
    public var version: UInt32 = 0
    public var gear: Gear = .park
    /// The car's own frame counter (orders frames across clips and after a cut).
    public var frameSequence: UInt64 = 0
    public var speed: Float = 0
    /// Accelerator pedal, 0...1.
    public var acceleratorPedal: Float = 0
    /// Steering wheel angle in degrees.
    public var steeringAngle: Float = 0
    public var blinkerLeft = false
    public var blinkerRight = false
    public var brakeApplied = false
    public var autopilot: AutopilotState = .none
    public var latitude: Double = 0
    public var longitude: Double = 0
    public var heading: Double = 0
    public var accelerationX: Double = 0
    public var accelerationY: Double = 0
    public var accelerationZ: Double = 0

    public init() {}

    /// Decodes one protobuf `SeiMetadata`.
    ///
    /// - Throws: `TelemetryError.undecodableMetadata` when the bytes are not a valid message.
    public init(protobuf bytes: ArraySlice<UInt8>) throws(TelemetryError) {
        let message: SeiMetadata
        do {
            message = try SeiMetadata(serializedBytes: Array(bytes))
        } catch {
            throw .undecodableMetadata(reason: "\(error)")
        }
        self.init(message)
    }

    init(_ message: SeiMetadata) {
        version = message.version
        gear = Gear(rawValue: Int32(truncatingIfNeeded: message.gearState.rawValue))
        frameSequence = message.frameSeqNo
        speed = message.vehicleSpeedMps
        acceleratorPedal = message.acceleratorPedalPosition
        steeringAngle = message.steeringWheelAngle
        blinkerLeft = message.blinkerOnLeft
        blinkerRight = message.blinkerOnRight
        brakeApplied = message.brakeApplied
        autopilot = AutopilotState(rawValue: Int32(truncatingIfNeeded: message.autopilotState.rawValue))
        latitude = message.latitudeDeg
        longitude = message.longitudeDeg
        heading = message.headingDeg
        accelerationX = message.linearAccelerationMps2X
        accelerationY = message.linearAccelerationMps2Y
        accelerationZ = message.linearAccelerationMps2Z
    }

    /// The GPS position, when the fix is plausible: finite, on the globe, and not the (0, 0) of no fix.
    public var position: GeoPoint? {
        GeoPoint(latitude: latitude, longitude: longitude)
    }
}
