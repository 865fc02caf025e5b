extension TelemetryExport {
    func json() -> String {
        let t = telemetry
        let summary = TelemetrySummary(frames: t.frames)
        var out = "{\"clip\":\(TextFormatting.json(name)),\"video_frames\":\(t.videoFrames),"
            + "\"telemetry_frames\":\(t.frames.count),\"timescale\":\(t.timescale),"
            + "\"recorded_at\":\(t.recordedAt.map { TextFormatting.json(TextFormatting.iso8601(Double($0))) } ?? "null"),"
        if let absence = t.absence { out += "\"absence\":\(TextFormatting.json(absence)),"}
        out += "\"summary\":\(Self.json(summary)),\"frames\":["
        for (index, frame) in t.frames.enumerated() {
            let s = frame.state
            if index > 0 { out += "," }
            out += "{\"frame\":\(index),\"sample\":\(frame.sample),\"time_s\":\(TextFormatting.json(frame.time)),"
                + "\"version\":\(s.version),\"gear_state\":\(TextFormatting.json(s.gear.protoName)),"
                + "\"frame_seq_no\":\(s.frameSequence),\"vehicle_speed_mps\":\(TextFormatting.json(s.speed)),"
                + "\"accelerator_pedal_position\":\(TextFormatting.json(s.acceleratorPedal)),"
                + "\"steering_wheel_angle\":\(TextFormatting.json(s.steeringAngle)),"
                + "\"blinker_on_left\":\(s.blinkerLeft),\"blinker_on_right\":\(s.blinkerRight),"
                + "\"brake_applied\":\(s.brakeApplied),\"autopilot_state\":\(TextFormatting.json(s.autopilot.protoName)),"
                + "\"latitude_deg\":\(TextFormatting.json(s.latitude)),\"longitude_deg\":\(TextFormatting.json(s.longitude)),"
                + "\"heading_deg\":\(TextFormatting.json(s.heading)),"
                + "\"linear_acceleration_mps2_x\":\(TextFormatting.json(s.accelerationX)),"
                + "\"linear_acceleration_mps2_y\":\(TextFormatting.json(s.accelerationY)),"
                + "\"linear_acceleration_mps2_z\":\(TextFormatting.json(s.accelerationZ))}"
        }
        return out + "]}\n"
    }

    /// A summary as a JSON object (also what the catalog stores and the API will serve).
    public static func json(_ s: TelemetrySummary) -> String {
        func point(_ p: GeoPoint?) -> String {
            p.map { "[\(TextFormatting.json($0.latitude)),\(TextFormatting.json($0.longitude))]" } ?? "null"
        }
        return "{\"frames\":\(s.frames),\"seconds\":\(TextFormatting.json(s.seconds)),"
            + "\"distance_m\":\(TextFormatting.json(s.distance)),\"moving_s\":\(TextFormatting.json(s.movingSeconds)),"
            + "\"max_speed_mps\":\(TextFormatting.json(s.maxSpeed)),\"mean_speed_mps\":\(TextFormatting.json(s.meanSpeed)),"
            + "\"autopilot_share\":\(TextFormatting.json(s.autopilotShare)),\"start\":\(point(s.start)),\"end\":\(point(s.end))}"
    }
}
