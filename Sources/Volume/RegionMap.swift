import FAT32

/// Which backing store holds a byte of the disk.
public enum Region: Sendable, Equatable {
    /// Boot sectors, FSInfo, both FATs (and the MBR gap): the small metadata image.
    case metadata
    /// Data clusters (and the disk's tail after the last whole cluster): the cluster-indexed staging area.
    case clusters
}

/// One piece of a disk byte range that lies in a single region.
public struct RegionSegment: Equatable, Sendable {
    public var region: Region
    /// Offset inside the region's backing store.
    public var storeOffset: UInt64
    /// Offset of this piece inside the caller's buffer.
    public var bufferOffset: Int
    public var length: Int
}

/// Splits disk byte ranges at the metadata/data boundary. Pure.
public struct RegionMap: Sendable, Equatable {
    public let diskBytes: UInt64
    /// Disk offset of cluster 2: the first byte of the staging area.
    public let dataOffset: UInt64

    public init(geometry: VolumeGeometry) {
        diskBytes = geometry.diskBytes
        dataOffset = geometry.dataOffset
    }

    public var metadataBytes: UInt64 { dataOffset }
    public var stagingBytes: UInt64 { diskBytes - dataOffset }

    /// The pieces of `[offset, offset+length)` clipped to the disk; empty when it starts past the end.
    public func segments(offset: UInt64, length: Int) -> RegionSegments {
        var result = RegionSegments()
        guard offset < diskBytes, length > 0 else { return result }
        let end = min(offset + UInt64(length), diskBytes)
        if offset < dataOffset {
            let metaEnd = min(end, dataOffset)
            result.append(RegionSegment(region: .metadata, storeOffset: offset, bufferOffset: 0,
                                        length: Int(metaEnd - offset)))
        }
        if end > dataOffset {
            let start = max(offset, dataOffset)
            result.append(RegionSegment(region: .clusters, storeOffset: start - dataOffset,
                                        bufferOffset: Int(start - offset), length: Int(end - start)))
        }
        return result
    }
}

/// At most two segments, stored inline: splitting is on every car I/O and must not allocate.
public struct RegionSegments: RandomAccessCollection, Equatable, Sendable {
    private var pieces: (RegionSegment?, RegionSegment?) = (nil, nil)
    public private(set) var count = 0

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> RegionSegment { position == 0 ? pieces.0! : pieces.1! }

    mutating func append(_ segment: RegionSegment) {
        if count == 0 { pieces.0 = segment } else { pieces.1 = segment }
        count += 1
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.elementsEqual(rhs) }
}
