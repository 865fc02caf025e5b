import Foundation
import Telemetry

/// The full-rate telemetry of a clip, kept beside the catalog's 1 Hz track: `<root>/<archive path>.csv`, the CSV
/// `teslacam telemetry CLIP` prints (every frame, Tesla's field names), read without opening the clip. Retention
/// removes it with its clip (and counts it in the space the eviction gives back); the catalog's 1 Hz track and
/// summary stay, so the drive stays on the map.
///
/// Front camera only: every camera's SEI carries the same vehicle state, and one camera's CSV is ~0.3 MB per
/// minute (~18 MB per hour of driving). Written to a temporary name and renamed, so a power cut leaves no half
/// file under the final name.
public struct TelemetrySidecar: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Where a clip's sidecar lives.
    public func path(forArchivePath archivePath: String) -> String { "\(root)/\(archivePath).csv" }

    /// Whether a clip's telemetry is kept at full rate.
    public static func keeps(camera: String?) -> Bool { camera == "front" }

    func write(_ telemetry: ClipTelemetry, archivePath: String) throws {
        let target = path(forArchivePath: archivePath)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let csv = TelemetryExport(name: (archivePath as NSString).lastPathComponent, telemetry: telemetry).render(.csv)
        try Data(csv.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
    }
}
