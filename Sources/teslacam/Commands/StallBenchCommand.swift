import ArgumentParser
import Foundation
import Volume

struct StallBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stall",
        abstract: "The car's longest write stall through FUSE: alone, with uploads, with web viewers, with both.",
        discussion: """
            Each round starts a real `teslacam run` from a config in the scratch directory (FUSE mounted, web UI on \
            loopback, a password set with `teslacam passwd`) and writes the same Tesla-pattern session into its \
            volume.img as the USB gadget does: pwrites of 16 KiB, fsync at the car's flushes, at the car's rate, \
            every call timed. Rounds: a plain file on the same disk; the daemon alone; a folder sink uploading \
            everything (whileRecording full); four viewers streaming clips by range requests plus one downloading \
            event zips; uploads and viewers together. Needs root and /dev/fuse.
            """)

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench-stall"
    @Option(help: "Advertised volume size.") var size: String = "30G"
    @Option(help: "Simulated minutes (the first 1.5 are written before timing starts).") var minutes: Int = 4
    @Option(help: "Comma-separated cameras.") var cameras: String = "front,back,left_repeater,right_repeater,left_pillar,right_pillar"
    @Option(help: "Clip size range.") var clip: String = "6M-9M"
    @Option(help: "Chunk size range per camera write.") var chunk: String = "256K-1M"
    @Option(name: .customLong("car-rate"), help: "Bytes per second the car writes (a Tesla's six cameras: ~4M); 0: as fast as it goes.")
    var carRate: String = "4M"
    @Option(help: "Largest single pwrite (the gadget's buffer).") var piece: String = "16K"
    @Option(help: "Viewers streaming clips (one more downloads zips).") var viewers: Int = 4
    @Option(name: .customLong("viewer-rate"), help: "Each viewer's bytes per second (e.g. 2M); 0: as fast as the server sends.")
    var viewerRate: String = "0"
    @Option(help: "The daemon's write cache (run --cache); its default when not given.") var cache: String?
    @Option(help: "Comma-separated rounds: plain, baseline, uploading, viewers, all.") var rounds: String = "plain,baseline,uploading,viewers,all"

    func run() throws {
        func rate(_ text: String, _ name: String) throws -> Double? {
            guard let value = ByteSize(parsing: text) else { throw ValidationError("--\(name) '\(text)' is not a rate like 4M") }
            return value.bytes > 0 ? Double(value.bytes) : nil
        }
        guard let pieceBytes = ByteSize(parsing: piece), pieceBytes.bytes >= 512, pieceBytes.bytes <= 8 << 20 else {
            throw ValidationError("--piece must be a size between 512 and 8M")
        }
        guard viewers >= 0 else { throw ValidationError("--viewers cannot be negative") }
        var bench = StallBenchmark(directory: dir)
        bench.size = size
        bench.minutes = minutes
        bench.cameras = cameras.split(separator: ",").map(String.init)
        bench.clip = clip
        bench.chunk = chunk
        bench.carRate = try rate(carRate, "car-rate")
        bench.piece = Int(pieceBytes.bytes)
        bench.streamers = viewers
        bench.viewerRate = try rate(viewerRate, "viewer-rate")
        bench.cache = cache
        bench.rounds = try rounds.split(separator: ",").map { name in
            guard let kind = StallBenchmark.RoundKind(rawValue: String(name)) else {
                throw ValidationError("unknown round '\(name)': use plain, baseline, uploading, viewers or all")
            }
            return kind
        }
        _ = try bench.run()
    }
}
