import ArgumentParser
import FAT32
import Volume

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print the volume's geometry and usage.")

    @Option(help: "State directory.") var state: String
    @OptionGroup var common: CommonOptions

    func run() throws {
        let engine = try StateDirectory(path: state).open(logger: common.makeLogger())
        let g = engine.manifest.geometry
        var lines: [(String, String)] = [
            ("size", "\(ByteSize(bytes: g.diskBytes)) (\(g.diskBytes) bytes)"),
            ("layout", g.layout == .mbr ? "mbr (FAT32 partition at \(g.partitionOffset) bytes)" : "superfloppy"),
            ("cluster size", "\(g.clusterSize) bytes"),
            ("clusters", "\(g.clusterCount)"),
            ("FAT size", "\(g.fatBytes) bytes x \(g.fatCount)"),
            ("data offset", "\(g.dataOffset)"),
        ]
        let usage = FileSystemUsage.read(partitionOffset: g.partitionOffset) { offset, count in
            engine.read(at: offset, count: count)
        }
        switch usage {
        case let .success(u):
            lines += [
                ("label", u.label),
                ("volume id", String(format8: u.volumeID)),
                ("used clusters", "\(u.usedClusters) (\(ByteSize(bytes: UInt64(u.usedClusters) * UInt64(g.clusterSize))))"),
                ("free clusters", "\(u.freeClusters)"),
            ]
        case let .failure(error):
            lines.append(("file system", "not readable as FAT32: \(error) (the car may have reformatted it)"))
        }
        lines.append(("disk used by state", "\(ByteSize(bytes: engine.allocatedBytes()).approximate)"))
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines { print(key.padding(to: width) + "  " + value) }
    }
}

extension String {
    init(format8 value: UInt32) {
        let hex = String(value, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        self = padded.prefix(4) + "-" + padded.suffix(4)
    }
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

extension ByteSize {
    /// "1.5 MiB"-style, for people.
    var approximate: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
