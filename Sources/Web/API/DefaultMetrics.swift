import Catalog
import Volume

/// `/metrics` when the daemon passes no renderer of its own: the engine's counters in Prometheus text format.
enum DefaultMetrics {
    static func render(engine: VolumeEngine?, catalog: ClipCatalog) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ value: some Numeric) {
            lines.append("# HELP teslacam_\(name) \(help)")
            lines.append("# TYPE teslacam_\(name) \(type)")
            lines.append("teslacam_\(name) \(value)")
        }
        if let engine {
            let s = engine.statistics
            metric("car_written_bytes_total", "counter", "Bytes the car wrote to the volume.", s.carBytesWritten)
            metric("car_read_bytes_total", "counter", "Bytes the car read from the volume.", s.carBytesRead)
            metric("car_flushes_total", "counter", "Flush requests from the car.", s.flushRequests)
            metric("backing_store_errors_total", "counter", "Board disk errors absorbed.", s.backingStoreErrors)
            metric("held_bytes", "gauge", "Bytes held in memory because the disk refused them.", s.unflushedBytes)
            metric("archive_written_bytes_total", "counter", "Bytes written into archive files.", s.harvest.archiveBytesWritten)
            metric("staging_written_bytes_total", "counter", "Bytes written to staging.", s.harvest.stagingBytesWritten)
            metric("files_completed_total", "counter", "Files the harvest judged complete.", s.harvest.filesCompleted)
            metric("write_cache_bytes", "gauge", "Bytes in the write cache.", s.harvest.cachedBytes)
        }
        if let count = try? catalog.clipCount() { metric("catalog_rows", "gauge", "Rows in the clip catalog.", count) }
        return lines.joined(separator: "\n") + "\n"
    }
}
