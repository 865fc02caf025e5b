/// The families `/metrics` serves, named `teslacam_<area>_<what>[_unit][_total]`.
public enum TeslaCamMetrics {
    /// Prometheus text for a snapshot (`Content-Type: text/plain; version=0.0.4`).
    public static func text(_ snapshot: MetricsSnapshot) -> String {
        PrometheusText.render(families(snapshot))
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func families(_ snapshot: MetricsSnapshot) -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let harvest = snapshot.harvest { families += self.harvest(harvest) }
        if let retention = snapshot.retention { families += self.retention(retention) }
        families += sinks(snapshot.sinks)
        return families
    }

    static func harvest(_ h: HarvestFigures) -> [MetricFamily] {
        [
            MetricFamily("teslacam_car_written_bytes_total", .counter, help: "Bytes the car wrote to volume.img.",
                         value: Double(h.carBytesWritten)),
            MetricFamily("teslacam_car_read_bytes_total", .counter, help: "Bytes the car read from volume.img.",
                         value: Double(h.carBytesRead)),
            MetricFamily("teslacam_car_flushes_total", .counter, help: "Flush requests from the car.",
                         value: Double(h.flushRequests)),
            MetricFamily("teslacam_harvest_car_data_bytes_total", .counter,
                         help: "Bytes the car wrote into data clusters.", value: Double(h.carDataBytesWritten)),
            MetricFamily("teslacam_harvest_archive_written_bytes_total", .counter,
                         help: "Bytes written into archive files.", value: Double(h.archiveBytesWritten)),
            MetricFamily("teslacam_harvest_staging_written_bytes_total", .counter,
                         help: "Bytes of data clusters written to the staging area.", value: Double(h.stagingBytesWritten)),
            MetricFamily("teslacam_harvest_promoted_bytes_total", .counter,
                         help: "Bytes copied from staging into archive files (the only second write).",
                         value: Double(h.promotedBytes)),
            MetricFamily("teslacam_harvest_write_amplification_ratio", .gauge,
                         help: "Bytes the board wrote per byte of car data (1 is ideal).", value: h.writeAmplification),
            MetricFamily("teslacam_harvest_cached_bytes", .gauge, help: "Bytes in the write cache now.",
                         value: Double(h.cachedBytes)),
            MetricFamily("teslacam_harvest_syncs_total", .counter, help: "fdatasync calls issued for the car's flushes.",
                         value: Double(h.synchronizations)),
            MetricFamily("teslacam_harvest_writebacks_total", .counter,
                         help: "Syncs the engine made on its own for car writes left unflushed (a cut loses none of them).",
                         value: Double(h.writebacks)),
            MetricFamily("teslacam_harvest_files_completed_total", .counter, help: "Files judged complete.",
                         value: Double(h.filesCompleted)),
            // Gauges, not a summary: the engine keeps recent samples, not a summary's running count and sum.
            MetricFamily("teslacam_harvest_completion_latency_median_seconds", .gauge,
                         help: "Median seconds from a file's final size to its completion, over recent files.",
                         value: h.completionLatencyMedianSeconds),
            MetricFamily("teslacam_harvest_completion_latency_max_seconds", .gauge,
                         help: "Longest seconds from a file's final size to its completion, over recent files.",
                         value: h.completionLatencyMaxSeconds),
            MetricFamily("teslacam_harvest_longest_pass_seconds", .gauge,
                         help: "Duration of the longest harvest pass (a car flush waits for it).", value: h.longestPassSeconds),
            MetricFamily("teslacam_held_bytes", .gauge,
                         help: "Car bytes held in memory because the board's disk refused them.", value: Double(h.heldBytes)),
            MetricFamily("teslacam_held_limit_bytes", .gauge, help: "The bound on held bytes.",
                         value: Double(h.heldLimitBytes)),
            MetricFamily("teslacam_held_lost_bytes_total", .counter,
                         help: "Car bytes neither the disk nor the held bound could take.", value: Double(h.heldLostBytes)),
            MetricFamily("teslacam_backing_store_errors_total", .counter,
                         help: "Failed operations on the board's disk (the car never saw them).",
                         value: Double(h.backingStoreErrors)),
        ]
    }

    static func retention(_ r: RetentionFigures) -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let free = r.freeBytes {
            families.append(MetricFamily("teslacam_archive_free_bytes", .gauge, help: "Free bytes on the archive's file system.",
                                         value: Double(free)))
        }
        if let reserve = r.reserveBytes {
            families.append(MetricFamily("teslacam_retention_reserve_bytes", .gauge,
                                         help: "Free bytes retention keeps for the car.", value: Double(reserve)))
        }
        families.append(MetricFamily("teslacam_retention_evictions_total", .counter,
                                     help: "Archive files evicted, by reason.",
                                     r.evictions.sorted { $0.key < $1.key }.map { .init([("reason", $0.key)], Double($0.value)) }))
        families.append(MetricFamily("teslacam_retention_evicted_bytes_total", .counter, help: "Bytes evicted.",
                                     value: Double(r.evictedBytes)))
        families.append(MetricFamily("teslacam_retention_passes_total", .counter, help: "Retention passes run.",
                                     value: Double(r.passes)))
        return families
    }

    static func sinks(_ sinks: [SinkFigures]) -> [MetricFamily] {
        func per(_ value: (SinkFigures) -> [([(String, String)], Double)]) -> [MetricFamily.Sample] {
            sinks.flatMap { sink in
                value(sink).map { labels, v in .init([("sink", sink.name)] + labels.map { (name: $0.0, value: $0.1) }, v) }
            }
        }
        return [
            MetricFamily("teslacam_sink_info", .gauge, help: "Each configured sink and its type (always 1).",
                         per { [([("type", $0.type)], 1)] }),
            MetricFamily("teslacam_sink_uploads_total", .counter,
                         help: "Deliveries since the daemon started, by result (delivered: verified remotely).",
                         per { sink in ["delivered", "failed"].map { ([("result", $0)], Double(sink.uploads[$0] ?? 0)) } }),
            MetricFamily("teslacam_sink_sent_bytes_total", .counter,
                         help: "Bytes sent since the daemon started, by the result of the delivery they were part of.",
                         per { sink in ["delivered", "failed"].map { ([("result", $0)], Double(sink.sentBytes[$0] ?? 0)) } }),
            MetricFamily("teslacam_sink_queue_depth", .gauge, help: "Jobs not delivered yet, by record kind.",
                         per { sink in sink.queueDepth.sorted { $0.key < $1.key }.map { ([("kind", $0.key)], Double($0.value)) } }),
            MetricFamily("teslacam_sink_oldest_pending_age_seconds", .gauge,
                         help: "Seconds the oldest undelivered job has waited (0 when none waits).",
                         per { [([], $0.oldestPendingAgeSeconds ?? 0)] }),
            MetricFamily("teslacam_sink_last_success_timestamp_seconds", .gauge,
                         help: "When the sink last delivered and verified something (seconds since 1970).",
                         per { sink in sink.lastSuccessTime.map { [([], $0)] } ?? [] }),
            MetricFamily("teslacam_sink_state", .gauge,
                         help: "The sink's state: ok, open (circuit breaker resting), stopped (permanent error), disabled.",
                         per { sink in SinkFigures.State.allCases.map { ([("state", $0.rawValue)], sink.state == $0 ? 1 : 0) } }),
            MetricFamily("teslacam_sink_circuit_open", .gauge, help: "1 while the sink's circuit breaker is open.",
                         per { [([], $0.state == .open ? 1 : 0)] }),
        ]
    }
}
