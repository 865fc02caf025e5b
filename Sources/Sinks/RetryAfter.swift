import Foundation

/// HTTP's `Retry-After` (RFC 9110 §10.2.3): delay-seconds (`120`) or an HTTP-date (`Wed, 02 Dec 2026 01:00:00 GMT`),
/// as seconds from now. S3-likes and WebDAV servers behind a proxy send either form; a date in the past is 0.
public enum RetryAfter {
    public static func seconds(_ header: String?, now: Date = Date()) -> Double? {
        guard let value = header?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return seconds >= 0 ? seconds : nil }
        for format in formats {
            if let date = format.date(from: value) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }

    /// IMF-fixdate first, then the two obsolete forms the RFC still asks recipients to accept.
    private static let formats: [DateFormatter] = ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",
                                                   "EEE MMM d HH:mm:ss yyyy"].map { pattern in
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = pattern
        return formatter
    }
}
