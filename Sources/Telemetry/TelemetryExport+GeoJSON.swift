extension TelemetryExport {
    /// RFC 7946: a FeatureCollection of one LineString ([longitude, latitude] order), the summary in its properties,
    /// and per point `coordTimes` (when the start time is known), `speeds_mps`, `gears` and `autopilot`.
    func geojson() -> String {
        let fixes = telemetry.frames.compactMap { frame in frame.state.position.map { (frame, $0) } }
        let coordinates = fixes.map { "[\(TextFormatting.json($1.longitude)),\(TextFormatting.json($1.latitude))]" }
        var properties = "\"name\":\(TextFormatting.json(name)),"
            + "\"summary\":\(Self.json(TelemetrySummary(frames: telemetry.frames))),"
            + "\"speeds_mps\":[\(fixes.map { TextFormatting.json($0.0.state.speed) }.joined(separator: ","))],"
            + "\"gears\":[\(fixes.map { TextFormatting.json($0.0.state.gear.letter) }.joined(separator: ","))],"
            + "\"autopilot\":[\(fixes.map { TextFormatting.json($0.0.state.autopilot.protoName) }.joined(separator: ","))]"
        if telemetry.recordedAt != nil {
            let times = fixes.compactMap { timestamp($0.0) }.map { TextFormatting.json(TextFormatting.iso8601($0)) }
            properties += ",\"coordTimes\":[\(times.joined(separator: ","))]"
        }
        // A LineString needs two positions; one fix is a Point, none no geometry.
        let geometry = switch coordinates.count {
        case 0: "null"
        case 1: "{\"type\":\"Point\",\"coordinates\":\(coordinates[0])}"
        default: "{\"type\":\"LineString\",\"coordinates\":[\(coordinates.joined(separator: ","))]}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\(properties)},"
            + "\"geometry\":\(geometry)}]}\n"
    }
}
