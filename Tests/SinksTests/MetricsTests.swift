import Foundation
import MetricsExport
import Outbound
import Sinks
import Testing

/// `/metrics`'s text from a real engine, catalog and uploader, checked by Prometheus's own `promtool check metrics`.
@Suite struct MetricsTests {
    static var promtoolAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") }

    /// promtool's verdict on a page: exit status and what it printed (lint problems, parse errors).
    func promtool(_ text: String) throws -> (status: Int32, output: String) {
        let scratch = Scratch("metrics")
        let file = scratch.path + "/metrics.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < '\(file)'"])
    }

    @Test func aRunningDaemonsFiguresArePrometheusText() throws {
        let rig = try CarRig(routes: Routes([.sentry: ["nas", "away"], .recent: ["nas"]]))
        let nas = Scratch("metrics-nas")
        rig.clip("2026-11-25_09-00-00-front.mp4", in: rig.recent, bytes: 500_000, seed: 1)
        rig.sentryEvent("2026-11-25_10-00-00")
        rig.play()
        // "away" is a NAS not mounted: its jobs fail and wait.
        let sinks: [any Sink] = [FolderSink(name: "nas", root: nas.path), FolderSink(name: "away", root: nas.path + "/missing")]
        let uploader = rig.uploader(sinks.map { SinkSetup(sink: $0) })
        uploader.start()
        #expect(try eventually { try rig.catalog.openJobs("nas").isEmpty })
        #expect(try eventually { (uploader.statistics["away"]?.failed ?? 0) >= 1 })
        uploader.stop()
        let retention = RetentionFigures(freeBytes: 1 << 30, reserveBytes: 256 << 20,
                                         evictions: ["space_recent": 3, "recent_expired": 1], evictedBytes: 9_000_000, passes: 4)
        let snapshot = try MetricsSnapshot.gather(engine: rig.engine, catalog: rig.catalog, sinks: sinks,
                                                  uploader: uploader, retention: retention)
        let text = TeslaCamMetrics.text(snapshot)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"teslacam_sink_uploads_total{sink="nas",result="delivered"} 5"#), "\(text)")
        #expect(lines.contains(#"teslacam_sink_queue_depth{sink="away",kind="sentry"} 4"#), "\(text)")
        #expect(lines.contains(#"teslacam_sink_state{sink="nas",state="ok"} 1"#))
        #expect(lines.contains(#"teslacam_sink_info{sink="away",type="folder"} 1"#))
        #expect(lines.contains(#"teslacam_retention_evictions_total{reason="space_recent"} 3"#))
        #expect(lines.contains("teslacam_retention_reserve_bytes 268435456"))
        #expect(lines.contains("# TYPE teslacam_harvest_car_data_bytes_total counter"))
        let carData = try #require(snapshot.harvest?.carDataBytesWritten)
        #expect(carData >= 500_000 + 600_000, "the car's clip bytes reached the engine")
        #expect(lines.contains("teslacam_harvest_car_data_bytes_total \(carData)"))
        #expect((snapshot.sinks.first { $0.name == "away" }?.oldestPendingAgeSeconds ?? -1) >= 0)
        #expect(snapshot.sinks.first { $0.name == "nas" }?.lastSuccessTime != nil)
        #expect(snapshot.sinks.first { $0.name == "nas" }?.sentBytes["delivered"] ?? 0 > 1_000_000)
        if Self.promtoolAvailable {
            let verdict = try promtool(text)
            #expect(verdict.status == 0 && verdict.output.isEmpty, "promtool: \(verdict.output)")
        }
    }

    @Test func labelValuesAndHelpAreEscaped() throws {
        let snapshot = MetricsSnapshot(sinks: [SinkFigures(name: "we\"ird\\name\nx", type: "s3", state: .stopped,
                                                           queueDepth: ["recent": 2], oldestPendingAgeSeconds: 1.5)])
        let text = TeslaCamMetrics.text(snapshot)
        #expect(text.contains(#"teslacam_sink_queue_depth{sink="we\"ird\\name\nx",kind="recent"} 2"#), "\(text)")
        #expect(text.contains(#"teslacam_sink_oldest_pending_age_seconds{sink="we\"ird\\name\nx"} 1.5"#))
        #expect(!text.contains("teslacam_sink_last_success_timestamp_seconds{"), "no line for a sink that never delivered")
        #expect(PrometheusText.number(.infinity) == "+Inf" && PrometheusText.number(.nan) == "NaN")
        #expect(PrometheusText.number(Double(1 << 40)) == "1099511627776")
        #expect(PrometheusText.render([MetricFamily("x", .gauge, help: "a\\b\nc", value: 1)])
                == "# HELP x a\\\\b\\nc\n# TYPE x gauge\nx 1\n")
        if Self.promtoolAvailable {
            let verdict = try promtool(text)
            #expect(verdict.status == 0 && verdict.output.isEmpty, "promtool: \(verdict.output)")
            // promtool does judge: a counter without _total and a malformed line are refused.
            #expect(try promtool("# HELP a_bytes b\n# TYPE a_bytes counter\na_bytes 1\n").output.contains("_total"))
            #expect(try promtool("teslacam_x{sink=\"unterminated} 1\n").status != 0)
        }
    }
}
