import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Telemetry

/// Drives from the clip module (`Drive.drives`, as `teslacam drives` lists them and numbers them, oldest first):
/// distance, duration, Autopilot share, start and end, a route the page draws itself, GPX and GeoJSON.
extension WebServer {
    /// Points of a drive's route sent to the page at most: enough for a phone-sized drawing.
    static let routePoints = 240

    func registerDrives(_ add: Add) {
        add(.get, "/api/drives", .owner) { [self] _, _ in
            let drives = Drive.drives(from: try catalog.driveClips())
            let places = try drivePlaces()
            struct List: Encodable { var items: [DriveSummary] }
            let items = try drives.enumerated().map { index, drive in
                // The player opens a RecentClips run; a drive that starts in an event's copy has no such link.
                let first = try catalog.clip(path: drive.clips.first ?? "")
                var summary = DriveSummary(number: index + 1, drive: drive, firstClip: first?.eventKind == .recent ? first?.id : nil)
                summary.startPlace = drive.startPosition.flatMap { places.name(latitude: $0.latitude, longitude: $0.longitude) }
                summary.endPlace = drive.endPosition.flatMap { places.name(latitude: $0.latitude, longitude: $0.longitude) }
                return summary
            }
            return try Reply.json(List(items: items.reversed()))
        }
        for format in ["gpx", "geojson"] {
            add(.get, "/api/drives/:number/" + format, .owner) { [self] _, context in
                let number = try CatalogID.parse(context.parameters.get("number"))
                let drives = Drive.drives(from: try catalog.driveClips())
                guard number <= Int64(drives.count) else {
                    throw WebError(.notFound, "there are \(drives.count) drives; no drive \(number)")
                }
                let drive = drives[Int(number) - 1]
                let text = format == "gpx" ? DriveExport.gpx([drive]) : DriveExport.geojson([drive])
                let name = "drive-\(number)-" + Self.stamp(drive.start) + "." + format
                return Response(status: .ok, headers: [
                    .contentType: format == "gpx" ? "application/gpx+xml" : "application/geo+json", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"\(name)\"",
                ], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }

    /// `2026-11-20_08-00` of Unix seconds (the car's clock read as UTC, as the clip names are).
    static func stamp(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd_HH-mm"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

/// One drive as the Drives page shows it.
struct DriveSummary: Encodable {
    var number: Int
    var start: Double
    var end: Double
    var duration: Double
    /// Metres.
    var distance: Double
    var movingSeconds: Double
    var autopilotShare: Double
    /// Metres per second.
    var maxSpeed: Double
    var startPosition: [Double]?
    var endPosition: [Double]?
    /// The start's and end's names from the events' event.json nearby (offline; nil where no event was).
    var startPlace: String?
    var endPlace: String?
    var clips: Int
    /// The first clip's catalog id when it is a RecentClips clip: the player opens there.
    var firstClip: Int64?
    /// `[latitude, longitude]`, thinned to at most `WebServer.routePoints`.
    var route: [[Double]]

    init(number: Int, drive: Drive, firstClip: Int64?) {
        self.number = number
        start = drive.start
        end = drive.end
        duration = drive.duration
        distance = drive.distance
        movingSeconds = drive.movingSeconds
        autopilotShare = drive.autopilotShare
        maxSpeed = drive.maxSpeed
        startPosition = drive.startPosition.map { [$0.latitude, $0.longitude] }
        endPosition = drive.endPosition.map { [$0.latitude, $0.longitude] }
        clips = drive.clips.count
        self.firstClip = firstClip
        let fixes = drive.points.compactMap(\.point.position)
        let step = max(1, (fixes.count + WebServer.routePoints - 1) / WebServer.routePoints)
        var route = stride(from: 0, to: fixes.count, by: step).map { [fixes[$0].latitude, fixes[$0].longitude] }
        if let last = fixes.last, fixes.count > 1, (fixes.count - 1) % step != 0 { route.append([last.latitude, last.longitude]) }
        self.route = route
    }
}
