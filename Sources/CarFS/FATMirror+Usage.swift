extension FATMirror {
    /// Clusters whose entry is free: room the car may still fill.
    public func freeClusterCount() -> UInt32 {
        var allocated: UInt32 = 0
        forEachAllocated { _, _ in allocated += 1 }
        return clusterCount - allocated
    }
}
