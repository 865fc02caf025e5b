import HarvestCore

/// Files whose directory entry vanished while their chain stays allocated (a move seen half-way, a hostile
/// directory write, a car that lost power between its directory and FAT writes).
extension Harvest {
    /// At a flush, the clusters of such a file that still live in its archive file are copied to staging.
    ///
    /// The running engine reads them through the record, but nothing durable ties the chain to that archive file:
    /// after a restart (recovery places only files the volume names) the volume would read zeros where the car
    /// flushed its bytes. Staging is indexed by cluster, so recovery finds them there; if the chain reappears under
    /// a new entry they are promoted to it. The archive file keeps its copy: it is the harvest of that file.
    func stageVanishedClusters() {
        execute(HarvestPlan(steps: HarvestPlanner.stageVanished(vanished.values, files: files, map: location) {
            fat.entry($0).kind != .free
        }))
    }

    /// At a flush, clusters a FAT rewrite moved away from their place in a pending chain file go to staging
    /// (`HarvestPlanner.stageDisowned`).
    func stageDisownedPendingClusters() {
        execute(HarvestPlan(steps: HarvestPlanner.stageDisowned(files.values, map: location, chain: { record, limit in
            fat.chain(from: record.head, limit: limit).clusters
        }) { fat.entry($0).kind != .free }))
    }
}
