/// The simulated car's FAT, in pages of 4096 entries made on first write: a free entry costs nothing.
///
/// A flat array cost 4 bytes a cluster (16 MiB at 128 GiB) in every process that simulates a car, which is what
/// `bench soak` measured as the daemon's RSS; the car's own FAT lives in the car.
struct PagedFAT {
    static let pageEntries = 4096
    let count: Int
    private var pages: [Int: [UInt32]] = [:]

    init(count: Int) { self.count = count }

    subscript(index: Int) -> UInt32 {
        get { pages[index / Self.pageEntries]?[index % Self.pageEntries] ?? 0 }
        set {
            let page = index / Self.pageEntries
            if pages[page] == nil {
                if newValue == 0 { return }
                pages[page] = [UInt32](repeating: 0, count: Self.pageEntries)
            }
            pages[page]![index % Self.pageEntries] = newValue
        }
    }
}
