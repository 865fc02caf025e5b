/// Sizes and ages as an owner reads them: "1.5 GiB", "2.4 days".
enum Wording {
    static func bytes(_ count: UInt64) -> String {
        let units: [(UInt64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, unit) in units where count >= size {
            let value = Double(count) / Double(size)
            return value >= 100 ? "\(Int(value.rounded())) \(unit)" : "\(oneDecimal(value)) \(unit)"
        }
        return count == 1 ? "1 byte" : "\(count) bytes"
    }

    static func age(seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(oneDecimal(Double(s) / 3600)) h" }
        let days = Double(s) / 86_400
        return days < 1.05 ? "1 day" : "\(oneDecimal(days)) days"
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}
