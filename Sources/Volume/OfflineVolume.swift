import CarFS
import FAT32

/// The car's volume read from a state directory without starting an engine: for `teslacam retention --dry-run`,
/// which may run beside the daemon and must change nothing.
///
/// FAT1 comes from the metadata image, directory clusters from staging (where the harvest keeps them). Bytes a
/// running daemon still holds in memory are not seen, so this is an estimate; evictions themselves always go
/// through an engine, which checks references against its live state.
public struct OfflineVolume: Sendable {
    public let manifest: VolumeManifest
    public let tree: CarTree
    public let freeClusters: UInt32

    public init(state: StateDirectory) throws(StateError) {
        let manifest = try state.check()
        let g = manifest.geometry
        let metadata: BackingFile, staging: BackingFile
        do {
            metadata = try BackingFile(path: state.metadataPath)
            staging = try BackingFile(path: state.stagingPath)
        } catch { throw .io(error) }
        var fat = FATMirror(clusterCount: g.clusterCount)
        let fatLength = min(g.fatBytes, (UInt64(g.clusterCount) + 2) * 4)
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var done: UInt64 = 0
        while done < fatLength {
            let n = Int(min(UInt64(piece.count), fatLength - done))
            let failure = piece.withUnsafeMutableBytes { buffer -> BackingStoreError? in
                do throws(BackingStoreError) {
                    try metadata.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]), at: g.fatOffset(copy: 0) + done)
                    return nil
                } catch { return error }
            }
            if let failure { throw .io(failure) }
            piece.withUnsafeBytes { _ = fat.apply(UnsafeRawBufferPointer(rebasing: $0[0..<n]), atFATByte: done) }
            done += UInt64(n)
        }
        let clusterSize = g.clusterSize
        tree = CarTree.build(fat: fat, clusterSize: clusterSize, rootCluster: VolumeGeometry.rootCluster) { cluster in
            var bytes = [UInt8](repeating: 0, count: clusterSize)
            bytes.withUnsafeMutableBytes { buffer in
                try? staging.read(into: buffer, at: UInt64(cluster - 2) * UInt64(clusterSize))
            }
            return bytes
        }
        freeClusters = fat.freeClusterCount()
        self.manifest = manifest
    }

    /// Archive paths of every file the car's volume names.
    public var referencedArchivePaths: Set<String> { Set(tree.files.map { ArchivePath.relative($0.path) }) }

    public var freeBytes: UInt64 { UInt64(freeClusters) * UInt64(manifest.geometry.clusterSize) }
}
