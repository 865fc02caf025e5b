/// The contents of a Tesla `event.json`: one JSON object whose values are all strings, e.g.
/// `{"timestamp":"2024-05-01T12:34:56","city":"Oslo","street":"","est_lat":"59.91","est_lon":"10.75",
/// "reason":"user_interaction_dashcam_icon_tapped","camera":"0"}`.
///
/// Every field is optional so older or newer firmware with different keys still parses; `fields` keeps all.
public struct TeslaEvent: Hashable, Sendable {
    /// Every top-level scalar field as text (numbers and literals keep their JSON spelling).
    public let fields: [String: String]

    /// Parses UTF-8 JSON bytes; nil unless they are exactly one JSON object (nested values are skipped).
    public init?(json bytes: [UInt8]) {
        guard let fields = FlatJSON.object(bytes) else { return nil }
        self.fields = fields
    }

    /// Parses JSON text; nil unless it is exactly one JSON object.
    public init?(json text: String) {
        self.init(json: Array(text.utf8))
    }

    /// Creates an event from already-parsed fields.
    public init(fields: [String: String]) {
        self.fields = fields
    }

    /// `timestamp` as written, e.g. `2024-05-01T12:34:56` (local time of the car).
    public var timestamp: String? { fields["timestamp"] }
    /// `timestamp` parsed; nil when absent or not `YYYY-MM-DDTHH:MM:SS`.
    public var date: TeslaTimestamp? { timestamp.flatMap { TeslaTimestamp(iso8601: $0) } }
    /// `city`.
    public var city: String? { fields["city"] }
    /// `street`.
    public var street: String? { fields["street"] }
    /// `est_lat` as written.
    public var estimatedLatitude: String? { fields["est_lat"] }
    /// `est_lon` as written.
    public var estimatedLongitude: String? { fields["est_lon"] }
    /// `est_lat` as a number in -90...90; nil when absent or not a number.
    public var latitude: Double? { estimatedLatitude.flatMap(Double.init).flatMap { (-90...90).contains($0) ? $0 : nil } }
    /// `est_lon` as a number in -180...180; nil when absent or not a number.
    public var longitude: Double? {
        estimatedLongitude.flatMap(Double.init).flatMap { (-180...180).contains($0) ? $0 : nil }
    }
    /// `reason`, e.g. `sentry_aware_object_detection`, `user_interaction_dashcam_icon_tapped`.
    public var reason: String? { fields["reason"] }
    /// `camera`: the index of the camera that triggered the event, as written.
    public var camera: String? { fields["camera"] }
}
