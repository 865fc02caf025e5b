extension VolumeGeometry {
    /// The geometry an existing boot sector describes, for serving a FAT32 volume this module did not lay out
    /// (one the car or a user reformatted). `partitionOffset` is where `bootSector` was found.
    ///
    /// Throws if the boot sector uses sectors other than 512 bytes (the geometry's unit) or does not fit the disk.
    public init(
        bootSector: BootSector, diskBytes: UInt64, layout: PartitionLayout, partitionOffset: UInt64
    ) throws(FAT32Error) {
        guard Int(bootSector.bytesPerSector) == Self.bytesPerSector else {
            throw .invalidField(
                structure: "boot sector", field: "bytes per sector", value: UInt64(bootSector.bytesPerSector),
                requirement: "only 512-byte sectors can be served")
        }
        let end = partitionOffset + UInt64(bootSector.totalSectors) * UInt64(Self.bytesPerSector)
        guard end <= diskBytes else {
            throw .invalidField(
                structure: "boot sector", field: "total sectors", value: UInt64(bootSector.totalSectors),
                requirement: "the file system must fit in the \(diskBytes)-byte disk from offset \(partitionOffset)")
        }
        self.diskBytes = diskBytes
        self.layout = layout
        self.partitionOffset = partitionOffset
        self.totalSectors = bootSector.totalSectors
        self.sectorsPerCluster = Int(bootSector.sectorsPerCluster)
        self.reservedSectors = Int(bootSector.reservedSectors)
        self.fatCount = Int(bootSector.fatCount)
        self.sectorsPerFAT = bootSector.sectorsPerFAT
        self.clusterCount = bootSector.clusterCount
    }
}
