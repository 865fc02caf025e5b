import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure TeslaCam against a plain-file baseline in the same run.",
        subcommands: [VolumeBenchCommand.self])
}

struct VolumeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Throughput of volume.img (a real `teslacam run` over FUSE) vs a plain file on the same disk.")

    @Option(help: "Scratch directory on the disk to measure (removed afterwards).") var dir: String = "/var/tmp/teslacam-bench"
    @Option(help: "Advertised volume size.") var size: String = "128G"
    @Option(name: .customLong("sequential-mib"), help: "MiB per sequential pass.") var sequentialMiB: Int = 512
    @Option(help: "Operations per random pass.") var randomOps: Int = 4000
    @Option(help: "Runs of each pass; the median is reported.") var repeats: Int = 3

    func run() throws {
        try VolumeBenchmark(directory: dir, size: size, sequentialMiB: sequentialMiB, randomOps: randomOps, repeats: repeats).run()
    }
}
