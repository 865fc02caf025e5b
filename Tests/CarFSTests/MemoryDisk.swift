import BlockTrace
import CarFS
import FAT32

/// A sparse in-memory disk that trace records are applied to, with the FAT mirrored as the engine does.
struct MemoryDisk {
    let geometry: VolumeGeometry
    var sectors: [UInt64: [UInt8]] = [:]
    var fat: FATMirror

    init(geometry: VolumeGeometry) {
        self.geometry = geometry
        fat = FATMirror(clusterCount: geometry.clusterCount)
    }

    mutating func apply(_ record: TraceRecord) {
        guard case let .write(offset, data) = record else { return }
        write(data, at: offset)
    }

    mutating func write(_ data: [UInt8], at offset: UInt64) {
        for (i, byte) in data.enumerated() {
            let position = offset + UInt64(i)
            sectors[position / 512, default: [UInt8](repeating: 0, count: 512)][Int(position % 512)] = byte
        }
        let fatStart = geometry.fatOffset(copy: 0), fatEnd = fatStart + geometry.fatBytes
        let start = max(offset, fatStart), end = min(offset + UInt64(data.count), fatEnd)
        if start < end {
            fat.apply(Array(data[Int(start - offset)..<Int(end - offset)]), atFATByte: start - fatStart)
        }
    }

    func read(at offset: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { i in
            let position = offset + UInt64(i)
            return sectors[position / 512]?[Int(position % 512)] ?? 0
        }
    }

    func cluster(_ n: UInt32) -> [UInt8] { read(at: geometry.clusterOffset(n), count: geometry.clusterSize) }

    func tree() -> CarTree {
        CarTree.build(fat: fat, clusterSize: geometry.clusterSize, rootCluster: VolumeGeometry.rootCluster,
                      readCluster: cluster)
    }

    func content(of file: CarFile) -> [UInt8] {
        var bytes: [UInt8] = []
        for cluster in file.clusters.prefix(file.neededClusters(clusterSize: geometry.clusterSize)) {
            bytes += self.cluster(cluster)
        }
        return Array(bytes.prefix(Int(file.size)))
    }
}
