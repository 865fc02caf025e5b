import Glibc

/// Where each data cluster's bytes live when they live in an archive file: (archived-file id, chain position).
///
/// One 8-byte slot per cluster in anonymous memory that the kernel zero-fills on first touch, so a 128 GiB volume
/// costs resident memory only for the clusters that have been placed, not 32 MiB up front.
final class PlacementTable: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let bytes: Int
    let clusterCount: UInt32

    init(clusterCount: UInt32) {
        self.clusterCount = clusterCount
        bytes = (Int(clusterCount) + 2) * 8
        let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        precondition(memory != MAP_FAILED, "cannot reserve address space for the placement table")
        slots = memory!.assumingMemoryBound(to: UInt64.self)
    }

    deinit { munmap(slots, bytes) }

    struct Placement: Equatable { var file: UInt32; var index: UInt32 }

    subscript(cluster: UInt32) -> Placement? {
        get {
            guard cluster < clusterCount + 2 else { return nil }
            let slot = slots[Int(cluster)]
            return slot == 0 ? nil : Placement(file: UInt32(slot >> 32), index: UInt32(truncatingIfNeeded: slot))
        }
        set {
            guard cluster < clusterCount + 2 else { return }
            slots[Int(cluster)] = newValue.map { UInt64($0.file) << 32 | UInt64($0.index) } ?? 0
        }
    }
}
