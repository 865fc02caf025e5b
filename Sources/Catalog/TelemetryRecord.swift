import GRDB
import Telemetry

/// A complete MP4 clip's telemetry, as the catalog keeps it: a row of `telemetry`, one per clip.
///
/// Computed once when the clip completes: the summary, and the track thinned to >= 1 Hz (every gear and Autopilot
/// change kept) as compact JSON; the full-rate frames stay in the clip (`teslacam telemetry CLIP`).
public struct TelemetryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "telemetry"

    public var clipID: Int64
    /// Frames that carried telemetry; 0 when the clip has none (see `absence`).
    public var frames: Int
    public var videoFrames: Int
    /// Seconds of video with telemetry.
    public var seconds: Double
    /// Metres along the GPS track.
    public var distance: Double
    public var movingSeconds: Double
    /// m/s.
    public var maxSpeed: Double
    public var meanSpeed: Double
    /// Share of `seconds` under FSD, Autosteer or TACC, 0...1.
    public var autopilotShare: Double
    public var startLatitude: Double?
    public var startLongitude: Double?
    public var endLatitude: Double?
    public var endLongitude: Double?
    /// `TelemetryTrack.json`: `[[time_s, lat, lon, speed_mps, heading_deg, gear, autopilot], ...]`.
    public var track: String
    /// Why there is no telemetry (no SEI, or the clip's video could not be walked), in words; nil when there is.
    public var absence: String?

    init(clipID: Int64, telemetry: ClipTelemetry) {
        let summary = TelemetrySummary(frames: telemetry.frames)
        self.clipID = clipID
        frames = summary.frames
        videoFrames = telemetry.videoFrames
        seconds = summary.seconds
        distance = summary.distance
        movingSeconds = summary.movingSeconds
        maxSpeed = summary.maxSpeed
        meanSpeed = summary.meanSpeed
        autopilotShare = summary.autopilotShare
        startLatitude = summary.start?.latitude
        startLongitude = summary.start?.longitude
        endLatitude = summary.end?.latitude
        endLongitude = summary.end?.longitude
        track = TelemetryTrack(frames: telemetry.frames).json
        absence = telemetry.absence
    }

    init(clipID: Int64, unreadable error: TelemetryError) {
        self.clipID = clipID
        (frames, videoFrames, seconds, distance, movingSeconds, maxSpeed, meanSpeed, autopilotShare) = (0, 0, 0, 0, 0, 0, 0, 0)
        track = "[]"
        absence = "\(error)"
    }
}
