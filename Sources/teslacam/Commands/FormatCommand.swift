import ArgumentParser
import FAT32
import Foundation
import Logging
import Retention
import Volume

struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format", abstract: "Create a new, empty volume in a state directory.")

    @Option(help: "State directory (must be empty or not exist).") var state: String
    @Option(help: "Size the car sees, e.g. 30G (default), 64G, 128G.") var size: String = "30G"
    @Option(help: "mbr (default: one FAT32 partition at 1 MiB) or superfloppy.") var layout: PartitionLayout = .mbr
    @Option(help: "The archive directory the daemon will use: format warns if its disk cannot back the volume (default: the state's disk).")
    var archive: String?
    @Option(help: "JSON config file (for retention.minFree).") var config: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let logger = common.makeLogger()
        let file = try config.map { path throws(ConfigurationError) in try Configuration.load(from: path) } ?? Configuration()
        let engine = try VolumeFormatting.format(state: StateDirectory(path: state), size: size, layout: layout,
                                                 logger: logger, capacityOf: archive ?? file.archive ?? state,
                                                 minFree: file.retentionPolicy.minFreeBytes)
        let g = engine.manifest.geometry
        print("formatted \(state): \(ByteSize(bytes: g.diskBytes)) \(g.layout.rawValue), "
              + "\(g.clusterSize / 1024) KiB clusters, \(g.clusterCount) clusters")
    }
}

extension PartitionLayout: ExpressibleByArgument {}

/// Formatting shared by `format`, `run` (which formats an empty state) and `trace`.
enum VolumeFormatting {
    static func geometry(size text: String, layout: PartitionLayout, logger: Logger) throws -> VolumeGeometry {
        guard let size = ByteSize(parsing: text) else {
            throw ValidationError("'\(text)' is not a size; write it like 30G, 512M or 2T")
        }
        let geometry = try VolumeGeometry(diskBytes: size.bytes, layout: layout)
        if geometry.exceedsCarSafeSize {
            logger.warning("volumes above 32 GiB are refused by some car firmware; 30G is the safe default",
                           metadata: ["size": "\(size)"])
        }
        return geometry
    }

    /// `capacityOf`: the directory whose disk will hold the archive; a warning is logged when it cannot back the
    /// volume (every cluster the car may fill needs a home there).
    static func format(state: StateDirectory, size text: String, layout: PartitionLayout,
                       logger: Logger, archive: ArchiveStore? = nil, cacheLimit: Int = VolumeEngine.defaultCacheLimit,
                       holdLimit: Int = VolumeEngine.defaultHoldLimit, capacityOf directory: String? = nil,
                       minFree: UInt64 = RetentionPolicy.standard.minFreeBytes, cacheFile: String? = nil) throws -> VolumeEngine {
        let geometry = try geometry(size: text, layout: layout, logger: logger)
        if let directory = directory ?? archive?.root,
           let warning = CapacityCheck.warning(for: geometry, archive: directory, minFree: minFree) {
            logger.warning("\(warning)")
        }
        return try state.format(geometry: geometry,
                         volumeID: UInt32.random(in: 1...UInt32.max),
                         formattedAt: Int64(Date().timeIntervalSince1970), logger: logger, archive: archive,
                         cacheLimit: cacheLimit, holdLimit: holdLimit, cacheFile: cacheFile)
    }
}
