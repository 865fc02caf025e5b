import FAT32
import Glibc

/// Whether the disk under the archive can back the volume: every cluster the car may fill needs a home on disk
/// that retention cannot free while the car still references it.
enum CapacityCheck {
    /// A warning, with the numbers, when the volume can hold more than the file system keeps room for; nil if it fits.
    static func warning(volumeBytes: UInt64, free: UInt64, total: UInt64, minFree: UInt64, path: String) -> String? {
        let usable = free > minFree ? free - minFree : 0
        guard volumeBytes > usable else { return nil }
        let disk = "the disk under \(path) has \(Wording.bytes(free)) free of \(Wording.bytes(total))"
        let consequence = "Once the car's own clips outgrow that, retention has nothing left to evict and the car's "
            + "writes are held in memory."
        guard usable > 0 else {
            return "the volume lets the car store \(Wording.bytes(volumeBytes)), but \(disk), less than retention's "
                + "minFree (\(Wording.bytes(minFree))) alone. \(consequence) Give the archive a larger disk, or lower "
                + "retention.minFree and format a smaller volume."
        }
        let suggestion = usable >= 1 << 30 ? "\(usable >> 30)G" : "\(max(1, usable >> 20))M"
        return "the volume lets the car store \(Wording.bytes(volumeBytes)), but \(disk): with minFree "
            + "(\(Wording.bytes(minFree))) kept free it can back only \(Wording.bytes(usable)). \(consequence) "
            + "Format a volume of at most \(suggestion), or give the archive a larger disk."
    }

    /// The check for a geometry against the file system holding `path` (or its nearest existing parent).
    static func warning(for geometry: VolumeGeometry, archive path: String, minFree: UInt64) -> String? {
        var probe = path.isEmpty ? "." : path
        var info = statvfs()
        // A directory not created yet: its nearest existing parent says which file system it will be on.
        while statvfs(probe, &info) != 0 {
            guard errno == ENOENT else { return nil }
            if let slash = probe.lastIndex(of: "/") {
                probe = slash == probe.startIndex ? "/" : String(probe[..<slash])
            } else {
                probe = "."
            }
        }
        let unit = UInt64(info.f_frsize)
        return warning(volumeBytes: UInt64(geometry.clusterCount) * UInt64(geometry.clusterSize),
                       free: UInt64(info.f_bavail) * unit, total: UInt64(info.f_blocks) * unit, minFree: minFree,
                       path: path)
    }
}
