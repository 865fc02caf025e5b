/// One video frame's telemetry and when the frame is shown.
public struct TelemetryFrame: Hashable, Sendable {
    /// The frame's sample, 0-based in decode order (B-frames make it differ from display order).
    public var sample: Int
    /// When the frame is shown, in track units from the clip's first displayed frame (`stts` + `ctts`).
    public var presentationTicks: Int64
    /// How long the frame lasts on the track's timeline (its `stts` delta), in track units.
    public var durationTicks: UInt32
    /// Track units per second (`mdhd`).
    public var timescale: UInt32
    /// What the car reported.
    public var state: VehicleState

    public init(sample: Int, presentationTicks: Int64, durationTicks: UInt32, timescale: UInt32, state: VehicleState) {
        self.sample = sample
        self.presentationTicks = presentationTicks
        self.durationTicks = durationTicks
        self.timescale = timescale
        self.state = state
    }

    /// Seconds from the clip's first displayed frame.
    public var time: Double { Double(presentationTicks) / Double(timescale) }
    /// Seconds the frame lasts.
    public var duration: Double { Double(durationTicks) / Double(timescale) }
}
