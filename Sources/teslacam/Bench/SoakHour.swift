import Foundation

/// One line of `bench soak`: the state of the engine, catalog and archive at the end of a simulated hour.
struct SoakHour: Sendable {
    var hour: Int
    /// What the car did this hour: minutes driving, Sentry events saved.
    var drivingMinutes: Int
    var sentryEvents: Int
    /// Files on the car's volume now.
    var carFiles: Int
    var rssKiB: Int
    var recordsHeld: Int
    var recordsRetired: UInt64
    var catalogRows: Int
    var catalogBytes: UInt64
    var archiveBytes: UInt64
    var evictions: Int
    var evictedBytes: UInt64

    static let header = ["hour", "activity", "car files", "RSS MiB", "records held", "retired", "catalog rows",
                         "catalog", "archive", "evicted (this hour)"]

    var cells: [String] {
        let activity = drivingMinutes > 0 ? "driving \(drivingMinutes) min"
            : sentryEvents > 0 ? "parked, \(sentryEvents) sentry" : "parked"
        return [String(hour), activity, String(carFiles), String(format: "%.1f", Double(rssKiB) / 1024),
                String(recordsHeld), String(recordsRetired), String(catalogRows), Wording.bytes(catalogBytes),
                Wording.bytes(archiveBytes), evictions == 0 ? "0" : "\(evictions) (\(Wording.bytes(evictedBytes)))"]
    }

    /// Column widths, fixed so lines printed as the hours go by line up.
    static let widths = [4, 19, 9, 7, 12, 7, 12, 9, 9, 20]

    /// One line of the table (left-aligned activity, right-aligned figures).
    static func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            let pad = String(repeating: " ", count: max(0, widths[column] - cell.count))
            return column == 1 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }

    static func table(_ hours: [SoakHour]) -> String {
        ([line(header)] + hours.map { line($0.cells) }).joined(separator: "\n")
    }
}
