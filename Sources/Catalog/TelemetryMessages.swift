import Foundation
import GRDB
import Outbound
import Telemetry

/// Records of kind `telemetry` for the sinks routed to it (webhook, logger, folder), as Fleet Telemetry routes
/// vehicle records: a front-camera clip's summary when it completes, and a drive's when the clip that ends it in
/// Park completes (or, for a drive the car ended by switching off, when the next drive's first clip does). Queued in the transaction that stores the clip's telemetry, so a record is never lost nor sent
/// twice for one completion.
extension ClipCatalog {
    func queueTelemetryRecords(_ telemetry: ClipTelemetry, clip: ClipRecord, now: Double, in db: Database) throws {
        let sinks = routes.sinks(for: .telemetry)
        guard !sinks.isEmpty, clip.camera == "front", telemetry.hasTelemetry else { return }
        let summary = TelemetrySummary(frames: telemetry.frames)
        var messages: [[String: Any]] = [Self.clipMessage(summary, clip: clip)]
        // A day back is enough to find the drive this clip belongs to and the one before it.
        let since = (clip.recordedAt ?? clip.clipTime ?? Int64(now)) - 86_400
        let drives = Drive.drives(from: try Self.driveClips(in: db, since: since))
        if let index = drives.lastIndex(where: { $0.clips.contains(clip.path) }) {
            // A drive that ends in Park is told when the clip it ends in completes; one the car ended by switching
            // off (no Park, a gap) is told when the next drive's first clip completes.
            if drives[index].clips.first == clip.path, index > 0, drives[index - 1].points.last?.point.gear != .park {
                messages.append(Self.driveMessage(drives[index - 1]))
            }
            if drives[index].clips.last == clip.path, drives[index].points.last?.point.gear == .park {
                messages.append(Self.driveMessage(drives[index]))
            }
        }
        for message in messages {
            let data = try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])
            let payload = String(decoding: data, as: UTF8.self)
            for sink in sinks {
                var job = UploadJob(id: nil, sink: sink, kind: .telemetry, path: nil, payload: payload,
                                    rank: RecordKind.telemetry.precedenceRank, sha256: nil, size: Int64(data.count),
                                    state: .pending, attempts: 0, notBefore: 0, lastError: nil, createdAt: now,
                                    doneAt: nil, sentBytes: 0)
                try job.insert(db)
            }
        }
    }

    static func clipMessage(_ summary: TelemetrySummary, clip: ClipRecord) -> [String: Any] {
        var fields: [String: Any] = [
            "type": "clip", "clip": clip.path, "frames": summary.frames, "seconds": summary.seconds,
            "distance_m": summary.distance, "moving_s": summary.movingSeconds, "max_speed_mps": summary.maxSpeed,
            "mean_speed_mps": summary.meanSpeed, "autopilot_share": summary.autopilotShare,
        ]
        if let recorded = clip.recordedAt ?? clip.clipTime { fields["recorded_at"] = recorded }
        if let start = summary.start { fields["start"] = [start.latitude, start.longitude] }
        if let end = summary.end { fields["end"] = [end.latitude, end.longitude] }
        return fields
    }

    static func driveMessage(_ drive: Drive) -> [String: Any] {
        var fields: [String: Any] = [
            "type": "drive", "start_time": drive.start, "end_time": drive.end, "duration_s": drive.duration,
            "distance_m": drive.distance, "moving_s": drive.movingSeconds, "max_speed_mps": drive.maxSpeed,
            "autopilot_share": drive.autopilotShare, "clips": drive.clips,
        ]
        if let start = drive.startPosition { fields["start"] = [start.latitude, start.longitude] }
        if let end = drive.endPosition { fields["end"] = [end.latitude, end.longitude] }
        return fields
    }
}

extension RecordKind {
    /// A message job's rank, on the scale of `FileRecord.rank` (kind first).
    var precedenceRank: Int { self == .alerts ? 0 : 50 }
}
