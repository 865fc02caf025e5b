import CLinux
import FAT32
import Glibc
import Logging

/// The harvest's write cache: the bytes of data clusters the car wrote and the harvest has not placed yet, held
/// where a crash of the daemon cannot take them.
///
/// They are acknowledged writes: the car's kernel holds clean pages for them and never writes them again. Kept in
/// the process's heap, a SIGKILL (a crash, the watchdog) lost them while the next process took the FUSE connection
/// over and answered the car's next flush: a clip on the volume with zeros where its first clusters were, and the
/// same zeros in the archive (board-in-a-box, `--restart-mode kill`). So the buffers live in a `MAP_SHARED` file
/// beside the request journal (`/run/teslacam`, tmpfs under systemd, kept through automatic restarts): the kernel
/// keeps the pages through the process's death, and the next engine takes them back (`restored`) before anything
/// is answered. A reboot or a power cut loses them, as it loses a drive's volatile cache; the file names the boot
/// and the volume it belongs to, so a stale one is never replayed. Without a path: a memfd, memory only.
///
/// File: one header page (magic, slot count, cluster size, the volume's identity, the boot id), then slots of
/// `slotHeader + clusterSize` bytes. A slot's first word is the cluster it holds (0: free), stored once the slot's
/// bytes are there; a write caught half-way by a kill is one the FUSE request journal replays.
///
/// Pointers handed out are valid until the next `insert` (which may remap to grow). Not thread-safe: it lives in
/// the harvest, behind the engine's lock.
final class WriteCache {
    /// What the file must match to be taken back: the volume (a reformat gets a new identity) and this boot.
    struct Identity: Equatable {
        var volumeID: UInt32
        var formattedAt: Double
        var clusterSize: Int
        var clusterCount: UInt32

        init(volumeID: UInt32, formattedAt: Double, geometry: VolumeGeometry) {
            self.volumeID = volumeID
            self.formattedAt = formattedAt
            clusterSize = geometry.clusterSize
            clusterCount = geometry.clusterCount
        }
    }

    static let magic: UInt64 = 0x3148_4341_4357_4354  // "TCWCACH1"
    static let headerBytes = 4096
    /// Room for the slot's cluster word, keeping the bytes 64-byte aligned.
    static let slotHeader = 64

    let path: String?
    let identity: Identity
    let clusterSize: Int
    private let stride: Int
    private var fd: Int32
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    private var slotOf: [UInt32: Int] = [:]
    /// Free slots, lowest last: reuse keeps the pages touched (the file's memory) at the cache's peak.
    private var free: [Int] = []
    /// Clusters a previous process left here, in slot order; the harvest takes them back at recovery.
    private(set) var restored: [UInt32] = []
    /// Why a file found at `path` was not taken back (another boot, another volume, a damaged header).
    private(set) var discardedBecause: String?

    /// Opens (or creates) the cache at `path` with room for `slots` clusters to start with; it grows on demand.
    /// A path that cannot be used falls back to memory, said in `logger`'s words: the cache is never refused.
    init(path: String?, identity: Identity, slots: Int, logger: Logger) {
        self.path = path
        self.identity = identity
        clusterSize = identity.clusterSize
        stride = Self.slotHeader + identity.clusterSize
        fd = -1
        if let path {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0 {
                logger.warning("the write cache cannot live in its file: a crash of the daemon loses the car's unflushed writes", metadata: [
                    "path": "\(path)", "error": "\(String(cString: strerror(errno)))",
                ])
            } else {
                takeBack()
            }
        }
        if fd < 0 { fd = clinux_memfd("teslacam-write-cache") }
        if base == nil { grow(to: max(slots, 16), fresh: true) }
        if discardedBecause != nil || !restored.isEmpty {
            logger.notice(restored.isEmpty ? "write cache left by an earlier process discarded" : "write cache taken back", metadata: [
                "clusters": "\(restored.count)", "path": "\(path ?? "")", "reason": "\(discardedBecause ?? "")",
            ])
        }
    }

    deinit {
        if let base { munmap(base, Self.headerBytes + capacity * stride) }
        if fd >= 0 { Glibc.close(fd) }
    }

    var count: Int { slotOf.count }
    var clusters: Dictionary<UInt32, Int>.Keys { slotOf.keys }
    func contains(_ cluster: UInt32) -> Bool { slotOf[cluster] != nil }

    /// The cached bytes of `cluster`, writable in place.
    subscript(cluster: UInt32) -> UnsafeMutableRawBufferPointer? {
        guard let slot = slotOf[cluster] else { return nil }
        return bytes(ofSlot: slot)
    }

    /// A slot for `cluster` (not cached yet): `fill` gets its bytes first (a partial write needs the cluster's
    /// current ones), then the slot is published as holding `cluster`.
    func insert(_ cluster: UInt32, fill: (UnsafeMutableRawBufferPointer) -> Void) -> UnsafeMutableRawBufferPointer {
        precondition(slotOf[cluster] == nil, "cluster \(cluster) is cached already")
        if free.isEmpty { grow(to: capacity * 2, fresh: false) }
        let slot = free.removeLast()
        let bytes = bytes(ofSlot: slot)
        fill(bytes)
        tag(slot).store(cluster)
        slotOf[cluster] = slot
        return bytes
    }

    func remove(_ cluster: UInt32) {
        guard let slot = slotOf.removeValue(forKey: cluster) else { return }
        tag(slot).store(0)
        free.append(slot)
    }

    /// A clean stop with nothing cached: the file goes (its memory with it). One still holding clusters (a disk
    /// that refused them) stays for the next start of this boot.
    func close() {
        guard slotOf.isEmpty, let path else { return }
        unlink(path)
    }

    // MARK: The mapping

    private func bytes(ofSlot slot: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base! + Self.headerBytes + slot * stride + Self.slotHeader, count: clusterSize)
    }

    private struct Tag {
        let pointer: UnsafeMutableRawPointer
        func load() -> UInt32 { pointer.load(as: UInt32.self) }
        func store(_ value: UInt32) { pointer.storeBytes(of: value, as: UInt32.self) }
    }
    private func tag(_ slot: Int) -> Tag { Tag(pointer: base! + Self.headerBytes + slot * stride) }

    /// Maps `slots` slots (a file grows without moving its slots; memory is touched only where slots are used).
    private func grow(to slots: Int, fresh: Bool) {
        let length = Self.headerBytes + slots * stride
        if fd >= 0, ftruncate(fd, off_t(length)) == 0,
           let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED {
            if let base { munmap(base, Self.headerBytes + capacity * stride) }
            base = map
        } else {
            // No file to grow (memfd refused): private memory, copied over. Never refused: the car's write needs it.
            let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            guard let map, map != MAP_FAILED else { fatalError("no memory for the write cache (\(length) bytes)") }
            if let base {
                map.copyMemory(from: base, byteCount: Self.headerBytes + capacity * stride)
                munmap(base, Self.headerBytes + capacity * stride)
            }
            // The file keeps nothing a later process could take for the cache's current state.
            if fd >= 0 { ftruncate(fd, 0); Glibc.close(fd); fd = -1 }
            base = map
        }
        free.insert(contentsOf: (capacity..<slots).reversed(), at: 0)
        capacity = slots
        if fresh { writeHeader() }
        base!.storeBytes(of: UInt64(capacity), toByteOffset: 8, as: UInt64.self)
    }

    private func writeHeader() {
        guard let base else { return }
        base.initializeMemory(as: UInt8.self, repeating: 0, count: Self.headerBytes)
        base.storeBytes(of: UInt64(clusterSize), toByteOffset: 16, as: UInt64.self)
        base.storeBytes(of: UInt64(identity.volumeID), toByteOffset: 24, as: UInt64.self)
        base.storeBytes(of: identity.formattedAt.bitPattern, toByteOffset: 32, as: UInt64.self)
        base.storeBytes(of: UInt64(identity.clusterCount), toByteOffset: 40, as: UInt64.self)
        let boot = Array(Self.bootID.utf8.prefix(64))
        (base + 64).copyMemory(from: boot, byteCount: boot.count)
        base.storeBytes(of: Self.magic, as: UInt64.self)
    }

    /// Maps a file an earlier process left and takes back the clusters its slots hold, if it is this boot's and
    /// this volume's; anything else starts empty.
    private func takeBack() {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= off_t(Self.headerBytes) else { return }
        var header = [UInt8](repeating: 0, count: 128)
        guard pread(fd, &header, 128, 0) == 128 else { return }
        func word(_ at: Int) -> UInt64 { header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) } }
        let boot = String(decoding: header[64..<128].prefix { $0 != 0 }, as: UTF8.self)
        let slots = Int(clamping: word(8))
        let reason: String? =
            word(0) != Self.magic ? "not a write cache"
            : boot != Self.bootID ? "from an earlier boot"
            : word(16) != UInt64(clusterSize) || word(24) != UInt64(identity.volumeID)
                || word(32) != identity.formattedAt.bitPattern || word(40) != UInt64(identity.clusterCount)
                ? "of another volume"
            : slots <= 0 || off_t(Self.headerBytes) + off_t(slots) * off_t(stride) != st.st_size ? "of the wrong size"
            : nil
        if let reason {
            discardedBecause = reason
            ftruncate(fd, 0)
            return
        }
        grow(to: slots, fresh: false)
        free.removeAll()
        for slot in (0..<slots).reversed() {
            let cluster = tag(slot).load()
            if cluster >= 2, cluster <= identity.clusterCount + 1, slotOf[cluster] == nil {
                slotOf[cluster] = slot
            } else {
                if cluster != 0 { tag(slot).store(0) }
                free.append(slot)
            }
        }
        restored = slotOf.sorted { $0.value < $1.value }.map(\.key)
    }

    /// This boot's id: a cache from before a reboot held what the power cut lost, and is not replayed.
    static let bootID: String = {
        guard let file = fopen("/proc/sys/kernel/random/boot_id", "r") else { return "" }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, 64, file) != nil else { return "" }
        return String(cString: line).filter { !$0.isWhitespace }
    }()
}
