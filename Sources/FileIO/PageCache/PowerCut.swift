/// What survives a simulated power cut besides what was made durable.
///
/// `strict` keeps only what fsync, fdatasync, a directory's fsync or syncfs made durable: the page cache is lost
/// whole. Real kernels also write dirty pages back on their own, in any order, and commit directory changes in
/// journal order: `kernelWriteback` keeps a random subset of unsynced pages and sizes and, per directory, a
/// random prefix of its unsynced changes. `tearsLastWrite` keeps a prefix (whole 512-byte sectors, fewer than all)
/// of the last write that was not synced: the disk lost power in the middle of it (in a block that did not exist
/// before, all or nothing: ext4's data=ordered commits a new block's allocation only after its data). `processKill` is no power cut at
/// all: the process dies (kill -9) and the kernel keeps its page cache, so everything written survives.
public struct PowerCut: Sendable, Hashable, CustomStringConvertible {
    public var keepsPageCache = false
    public var kernelWriteback: Bool
    public var tearsLastWrite: Bool
    /// Chooses the pages, sizes, directory prefixes and torn length.
    public var seed: UInt64

    public init(kernelWriteback: Bool = false, tearsLastWrite: Bool = false, seed: UInt64 = 0) {
        self.kernelWriteback = kernelWriteback
        self.tearsLastWrite = tearsLastWrite
        self.seed = seed
    }

    public static let strict = PowerCut()

    public static let processKill: PowerCut = {
        var kill = PowerCut()
        kill.keepsPageCache = true
        return kill
    }()

    public var description: String {
        if keepsPageCache { return "PowerCut.processKill" }
        return "PowerCut(kernelWriteback: \(kernelWriteback), tearsLastWrite: \(tearsLastWrite), seed: \(seed))"
    }

    public static let sectorSize = 512
}
