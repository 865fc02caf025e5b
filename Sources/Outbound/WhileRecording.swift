/// What uploads do while the car records (`upload.whileRecording`). On a Pi Zero 2 W the SD card and Wi-Fi share
/// one SDIO bus, and the car must never see a slow drive.
public enum WhileRecording: String, Sendable, CaseIterable, Codable {
    /// Uploads go on at a fraction of the limit (`throttledRate`).
    case throttle
    /// No bytes move while the car writes; a transfer under way waits.
    case pause
    /// Recording changes nothing.
    case full

    /// Bytes per second while throttled when no overall limit is set: about a third of what six cameras write,
    /// leaving the bus to the car.
    public static let defaultThrottledRate = 1.0 * 1024 * 1024

    /// The overall rate in force: nil for no limit, 0 for paused.
    public func rate(configured: Double?, carIsWriting: Bool) -> Double? {
        guard carIsWriting else { return configured }
        switch self {
        case .full: return configured
        case .pause: return 0
        case .throttle: return configured.map { $0 / 4 } ?? Self.defaultThrottledRate
        }
    }
}
