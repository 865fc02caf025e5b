extension TelemetryExport {
    /// GPX 1.1 (topografix.com/GPX/1/1): one `trk` with one `trkseg` of every frame that has a GPS fix.
    func gpx() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<gpx version=\"1.1\" creator=\"teslacam\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n"
            + "<trk><name>\(TextFormatting.xml(name))</name><trkseg>\n"
        for frame in telemetry.frames {
            guard let point = frame.state.position else { continue }
            out += "<trkpt lat=\"\(point.latitude)\" lon=\"\(point.longitude)\">"
            if let time = timestamp(frame) { out += "<time>\(TextFormatting.iso8601(time))</time>" }
            out += "</trkpt>\n"
        }
        return out + "</trkseg></trk>\n</gpx>\n"
    }
}
