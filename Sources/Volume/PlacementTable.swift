import Glibc

/// Where each data cluster's bytes live when they live in an archive file: (archived-file id, chain position).
///
/// One 8-byte slot per cluster in anonymous memory that the kernel zero-fills on first touch, so a 128 GiB volume
/// costs resident memory only for the clusters that have been placed, not 32 MiB up front. A page whose slots are
/// all cleared again is given back (`MADV_DONTNEED`): the car's allocator moves on around the volume, and without
/// that every page it ever touched would stay resident, 32 MiB at 128 GiB after a few weeks.
final class PlacementTable: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let bytes: Int
    /// Occupied slots in each page of the table.
    private let occupied: UnsafeMutablePointer<UInt16>
    private let pageCount: Int
    private static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))
    private static var slotsPerPage: Int { pageBytes / 8 }
    let clusterCount: UInt32

    init(clusterCount: UInt32) {
        self.clusterCount = clusterCount
        bytes = (Int(clusterCount) + 2) * 8
        let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        precondition(memory != MAP_FAILED, "cannot reserve address space for the placement table")
        slots = memory!.assumingMemoryBound(to: UInt64.self)
        pageCount = (bytes + Self.pageBytes - 1) / Self.pageBytes
        occupied = .allocate(capacity: pageCount)
        occupied.initialize(repeating: 0, count: pageCount)
    }

    deinit {
        munmap(slots, bytes)
        occupied.deallocate()
    }

    struct Placement: Equatable { var file: UInt32; var index: UInt32 }

    subscript(cluster: UInt32) -> Placement? {
        get {
            guard cluster < clusterCount + 2 else { return nil }
            let slot = slots[Int(cluster)]
            return slot == 0 ? nil : Placement(file: UInt32(slot >> 32), index: UInt32(truncatingIfNeeded: slot))
        }
        set {
            guard cluster < clusterCount + 2 else { return }
            let old = slots[Int(cluster)]
            let new = newValue.map { UInt64($0.file) << 32 | UInt64($0.index) } ?? 0
            guard old != new else { return }
            let page = Int(cluster) / Self.slotsPerPage
            if old == 0 { occupied[page] += 1 }
            slots[Int(cluster)] = new
            if new == 0 {
                occupied[page] -= 1
                if occupied[page] == 0 {
                    _ = madvise(UnsafeMutableRawPointer(slots) + page * Self.pageBytes, Self.pageBytes, MADV_DONTNEED)
                }
            }
        }
    }

    /// Pages holding at least one placement (what the table should keep resident).
    var occupiedPages: Int { (0..<pageCount).reduce(0) { $0 + (occupied[$1] > 0 ? 1 : 0) } }

    /// Bytes of the table the kernel holds in memory now (`mincore`), for tests.
    func residentBytes() -> Int {
        var vector = [UInt8](repeating: 0, count: pageCount)
        guard mincore(UnsafeMutableRawPointer(slots), bytes, &vector) == 0 else { return -1 }
        return vector.reduce(0) { $0 + Int($1 & 1) } * Self.pageBytes
    }
}
