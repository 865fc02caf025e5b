import Foundation
import GRDB
import Telemetry

extension ClipCatalog {
    /// Every front-camera clip with telemetry, as drive material: its start (the `mvhd` time, else the name's),
    /// duration and 1 Hz track. Drives are grouped from these (`Drive.drives(from:)`).
    public func driveClips() throws -> [Drive.Clip] {
        try database.read { db in try Self.driveClips(in: db) }
    }

    /// The same, inside a transaction the caller holds (the completion that queues telemetry records); `since`
    /// (Unix seconds) leaves out older clips, so that completion reads a day of tracks, not the whole catalog.
    static func driveClips(in db: Database, since: Int64 = .min) throws -> [Drive.Clip] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT clips.path, clips.recordedAt, clips.clipTime, clips.duration, telemetry.track
            FROM clips JOIN telemetry ON telemetry.clipID = clips.id
            WHERE clips.camera = 'front' AND telemetry.frames > 0 AND COALESCE(clips.recordedAt, clips.clipTime) >= ?
            """, arguments: [since])
        return rows.compactMap { row -> Drive.Clip? in
            let recorded: Int64? = row["recordedAt"], named: Int64? = row["clipTime"]
            guard let start = recorded ?? named, let track = TelemetryTrack(catalogJSON: row["track"]) else { return nil }
            return Drive.Clip(name: row["path"], start: Double(start), duration: row["duration"] ?? 60, track: track)
        }
    }
}

extension TelemetryTrack {
    /// Reads back `TelemetryTrack.json`; nil for anything else.
    init?(catalogJSON text: String) {
        guard let rows = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else { return nil }
        var points: [Point] = []
        for row in rows {
            // Seven columns in rows catalogued before steering, blinkers and brake were kept; ten since.
            guard row.count == 7 || row.count == 10, let time = row[0] as? Double, let speed = row[3] as? Double,
                let heading = row[4] as? Double, let gear = row[5] as? Int, let autopilot = row[6] as? Int
            else { return nil }
            let position = (row[1] as? Double).flatMap { lat in (row[2] as? Double).flatMap { GeoPoint(latitude: lat, longitude: $0) } }
            var point = Point(time: time, position: position, speed: Float(speed), heading: heading,
                              gear: Gear(rawValue: Int32(gear)), autopilot: AutopilotState(rawValue: Int32(autopilot)))
            if row.count == 10 {
                guard let blinkers = row[8] as? Int, let brake = row[9] as? Int else { return nil }
                point.steeringAngle = Float(row[7] as? Double ?? 0)  // null: the car sent no finite angle
                point.blinkerLeft = blinkers & 1 != 0
                point.blinkerRight = blinkers & 2 != 0
                point.brakeApplied = brake != 0
            }
            points.append(point)
        }
        self.init(points: points)
    }
}
