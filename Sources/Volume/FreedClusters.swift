import FAT32

/// Which clusters a write to the primary FAT frees: entries that were allocated and now read as free.
///
/// The staging area punches holes under them so the board's disk holds only clusters the car still uses. Pure.
enum FreedClusters {
    /// Clusters whose entry goes from allocated to free when `new` replaces `old`, both the FAT bytes starting at
    /// byte `fatByteOffset` of the FAT. Partial entries at either end are ignored.
    static func freed(old: [UInt8], new: [UInt8], fatByteOffset: UInt64, clusterCount: UInt32) -> [UInt32] {
        precondition(old.count == new.count)
        let skip = Int((4 - fatByteOffset % 4) % 4)
        var clusters: [UInt32] = []
        var i = skip
        while i + 4 <= old.count {
            let before = entry(old, i), after = entry(new, i)
            if before != 0 && after == 0 {
                let cluster = UInt32((fatByteOffset + UInt64(i)) / 4)
                if cluster >= 2 && cluster < 2 + clusterCount { clusters.append(cluster) }
            }
            i += 4
        }
        return clusters
    }

    private static func entry(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            & 0x0FFF_FFFF
    }
}
