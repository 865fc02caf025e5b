/// Drives as GPX 1.1 (one `trk` each) or GeoJSON (one LineString Feature each, summary in its properties).
public enum DriveExport {
    public static func gpx(_ drives: [Drive]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<gpx version=\"1.1\" creator=\"teslacam\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n"
        for drive in drives {
            out += "<trk><name>drive \(TextFormatting.iso8601(drive.start))</name><trkseg>\n"
            for p in drive.points {
                guard let fix = p.point.position else { continue }
                out += "<trkpt lat=\"\(fix.latitude)\" lon=\"\(fix.longitude)\"><time>\(TextFormatting.iso8601(p.time))</time></trkpt>\n"
            }
            out += "</trkseg></trk>\n"
        }
        return out + "</gpx>\n"
    }

    public static func geojson(_ drives: [Drive]) -> String {
        let features = drives.map { drive -> String in
            let fixes = drive.points.compactMap { p in p.point.position.map { (p, $0) } }
            let coordinates = fixes.map { "[\(TextFormatting.json($1.longitude)),\(TextFormatting.json($1.latitude))]" }
            let times = fixes.map { TextFormatting.json(TextFormatting.iso8601($0.0.time)) }
            let geometry = coordinates.count >= 2
                ? "{\"type\":\"LineString\",\"coordinates\":[\(coordinates.joined(separator: ","))]}" : "null"
            return "{\"type\":\"Feature\",\"properties\":{\"start\":\(TextFormatting.json(TextFormatting.iso8601(drive.start))),"
                + "\"end\":\(TextFormatting.json(TextFormatting.iso8601(drive.end))),"
                + "\"duration_s\":\(TextFormatting.json(drive.duration)),\"distance_m\":\(TextFormatting.json(drive.distance)),"
                + "\"moving_s\":\(TextFormatting.json(drive.movingSeconds)),\"max_speed_mps\":\(TextFormatting.json(drive.maxSpeed)),"
                + "\"autopilot_share\":\(TextFormatting.json(drive.autopilotShare)),"
                + "\"clips\":[\(drive.clips.map(TextFormatting.json).joined(separator: ","))],"
                + "\"coordTimes\":[\(times.joined(separator: ","))]},\"geometry\":\(geometry)}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}\n"
    }

    /// One line per drive for a terminal.
    public static func text(_ drives: [Drive]) -> String {
        drives.enumerated().map { index, d in
            func place(_ p: GeoPoint?) -> String {
                p.map { "\(rounded($0.latitude, 5)),\(rounded($0.longitude, 5))" } ?? "-"
            }
            return "\(index + 1)\t\(TextFormatting.iso8601(d.start))\t\(rounded(d.duration / 60, 1)) min\t"
                + "\(rounded(d.distance / 1000, 2)) km\tmax \(rounded(d.maxSpeed * 3.6, 0)) km/h\t"
                + "autopilot \(rounded(d.autopilotShare * 100, 0)) %\t\(place(d.startPosition)) -> \(place(d.endPosition))\t"
                + "\(d.clips.count) clips"
        }.joined(separator: "\n") + (drives.isEmpty ? "" : "\n")
    }

    /// `value` with `digits` decimals, as text.
    static func rounded(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale), fraction = Int64(scaled) - whole * Int64(scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + "\(whole)" }
        let text = String(fraction)
        return sign + "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
