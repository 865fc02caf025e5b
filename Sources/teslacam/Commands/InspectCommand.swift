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
        do {
            let u = try FileSystemUsage.inspect(geometry: g) { offset, count in engine.read(at: offset, count: count) }
            lines += [
                ("label", u.label),
                ("volume id", u.volumeIDString),
                ("used clusters", "\(u.usedClusters) (\(ByteSize(bytes: u.usedBytes).approximate))"),
                ("free clusters", "\(u.freeClusters) (\(ByteSize(bytes: u.freeBytes).approximate))"),
            ]
            if !u.matchesGeometry {
                lines.append(("boot sector", "differs from the formatted geometry: " + u.differencesFromGeometry.joined(separator: "; ")))
            }
        } catch {
            lines.append(("file system", "not readable as FAT32: \(error) (the car may have reformatted it)"))
        }
        lines.append(("disk used by state", "\(ByteSize(bytes: engine.allocatedBytes()).approximate)"))
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines { print(key.padding(to: width) + "  " + value) }
    }
}

extension String {
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
