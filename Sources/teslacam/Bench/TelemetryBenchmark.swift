import Foundation
import MP4
import Telemetry

/// `teslacam bench telemetry`: our SEI extraction over the fixture clips against ffprobe's own passes over the same
/// files in the same run — its demux (every video packet, what a tool must at least do to reach the SEI) and its
/// decode with frame side data (`-show_frames`, where ffprobe surfaces user-data SEI).
///
/// Files are read once first, so every pass reads from the page cache: the figures are CPU, not disk.
struct TelemetryBenchmark {
    let clips: [String]
    let repeats: Int
    let ffprobe: String

    struct Pass {
        var wall: [Double] = []
        var cpu: [Double] = []
        var medianWall: Double { wall.sorted()[wall.count / 2] }
        var medianCPU: Double { cpu.sorted()[cpu.count / 2] }

        enum Who { case ourselves, children }

        /// Times one round of `body`: wall clock, and CPU (user + system) of this process or of its children.
        mutating func time(cpu who: Who, _ body: () throws -> Void) throws {
            let before = cpuSeconds(who)
            wall.append(try measure(body))
            cpu.append(cpuSeconds(who) - before)
        }

        func cpuSeconds(_ who: Who) -> Double {
            var usage = rusage()
            getrusage(who == .ourselves ? RUSAGE_SELF.rawValue : RUSAGE_CHILDREN.rawValue, &usage)
            func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
            return seconds(usage.ru_utime) + seconds(usage.ru_stime)
        }
    }

    func run() throws {
        guard !clips.isEmpty else { throw BenchError("no .mp4 clips to measure") }
        var bytes: UInt64 = 0, minutes = 0.0, videoFrames = 0, telemetryFrames = 0
        for clip in clips {
            let file = try ClipFile(path: clip)
            defer { file.close() }
            bytes += file.size
            let analysis = MP4.analyse(fileSize: file.size, read: file.read)
            minutes += (analysis.movie?.duration ?? 0) / 60
            _ = file.read(0, Int(file.size))  // into the page cache
            let telemetry = try TelemetryReader.read(fileSize: file.size, read: file.read)
            videoFrames += telemetry.videoFrames
            telemetryFrames += telemetry.frames.count
        }
        let probeFrames = try clips.map { try countPackets($0) }.reduce(0, +)
        guard probeFrames == videoFrames else {
            throw BenchError("ffprobe counts \(probeFrames) video packets, we walked \(videoFrames): the sample walk is wrong")
        }
        print("teslacam bench telemetry: \(clips.count) clips, \(String(format: "%.2f", Double(bytes) / 1e6)) MB, "
              + "\(String(format: "%.2f", minutes)) clip-minutes, \(videoFrames) video frames, \(telemetryFrames) with SEI "
              + "(ffprobe agrees on the video frames); median of \(repeats) rounds, page cache warm")

        var ours = Pass(), demux = Pass(), decode = Pass()
        for _ in 0..<max(1, repeats) {
            try ours.time(cpu: .ourselves) {
                for clip in clips {
                    let file = try ClipFile(path: clip)
                    defer { file.close() }
                    _ = try TelemetryReader.read(fileSize: file.size, read: file.read)
                }
            }
            try demux.time(cpu: .children) { for clip in clips { try probe(Self.demuxArguments + [clip]) } }
            try decode.time(cpu: .children) { for clip in clips { try probe(Self.decodeArguments + [clip]) } }
        }
        func line(_ name: String, _ pass: Pass) -> String {
            let mbps = Double(bytes) / 1e6 / pass.medianWall
            let cpuPerMinute = pass.medianCPU / minutes * 1000
            return name.padding(toLength: 48, withPad: " ", startingAt: 0)
                + String(format: "%9.1f MB/s %9.2f ms CPU per clip-minute %9.1f ms wall", mbps, cpuPerMinute, pass.medianWall * 1000)
        }
        print(line("teslacam SEI extraction (all fields)", ours))
        print(line("ffprobe demux (-show_packets)", demux))
        print(line("ffprobe decode + SEI side data (-show_frames)", decode))
        print(String(format: "teslacam is %.1f× ffprobe's demux and %.1f× its decode in throughput",
                     demux.medianWall / ours.medianWall, decode.medianWall / ours.medianWall))
    }

    static let demuxArguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,dts,size,flags",
                                 "-of", "csv=p=0"]
    static let decodeArguments = ["-v", "error", "-select_streams", "v:0", "-show_frames", "-show_entries",
                                  "frame=pts,side_data_list", "-of", "csv=p=0"]

    func probe(_ arguments: [String], output: FileHandle = .nullDevice) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffprobe)
        process.arguments = arguments
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("\(ffprobe) \(arguments.joined(separator: " ")) failed") }
    }

    func countPackets(_ clip: String) throws -> Int {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffprobe)
        process.arguments = ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                             "stream=nb_read_packets", "-of", "csv=p=0", clip]
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError("ffprobe could not count the packets of \(clip)")
        }
        return count
    }
}
