extension FATMirror {
    /// Clusters whose entry is free: room the car may still fill.
    public func freeClusterCount() -> UInt32 {
        var free: UInt32 = 0
        for cluster in 2..<(Int(clusterCount) + 2) where entries[cluster] & 0x0FFF_FFFF == 0 { free += 1 }
        return free
    }
}
