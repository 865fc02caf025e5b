extension TelemetryExport {
    /// `frame` (display order), `sample` (decode order), `time_s`, then the SeiMetadata fields.
    func csv() -> String {
        var out = (["frame", "sample", "time_s"] + Self.fieldNames).joined(separator: ",") + "\n"
        for (index, frame) in telemetry.frames.enumerated() {
            let fields = ["\(index)", "\(frame.sample)", "\(frame.time)"] + Self.fieldValues(frame.state)
            out += fields.map(TextFormatting.csv).joined(separator: ",") + "\n"
        }
        return out
    }
}
