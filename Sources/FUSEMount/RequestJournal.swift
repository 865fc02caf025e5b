import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// Every request a worker has read from `/dev/fuse` and not yet answered, kept where a SIGKILL cannot take it: each
/// worker receives straight into its own slot of a `MAP_SHARED` file (on tmpfs under systemd), so the pages hold
/// the request whatever happens to the process. The kernel (6.1 has no FUSE_NOTIFY_RESEND) waits for an answer
/// to a request the dead process had read; the next process replays the journaled ones, in the kernel's order,
/// and the kernel gets the answers it waits for.
///
/// File: one header page (magic, slot count, slot size), then the slots. A slot: one page of state (the state word,
/// a write's reply count), then the receive buffer.
final class RequestJournal: @unchecked Sendable {
    enum SlotState: UInt32 {
        case idle = 0
        /// Armed for a read: the request header is zeroed first, so a header that is there came from the kernel.
        case reading = 1
        /// Read and not answered: replay runs it again (reads, fsync and writes are idempotent; nothing later can
        /// overlap a write the kernel is still waiting for, since the gadget waits for each).
        case received = 2
        /// A write that is done and whose reply may or may not have reached the kernel: replay only answers it (if
        /// the kernel took the reply it refuses the second, ENOENT), because running it again could undo a later
        /// write to the same blocks.
        case replying = 3
    }

    struct Pending {
        let slot: Int
        let state: SlotState
        let unique: UInt64
        let opcode: UInt32
        let length: UInt32
        let writeReply: UInt32
    }

    static let magic: UInt64 = 0x314C_4E52_4A46_4354  // "TCFJRNL1"
    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let path: String
    let slotCount: Int
    let slotSize: Int
    let bufferSize: Int
    private let base: UnsafeMutableRawPointer
    private let length: Int

    /// libfuse reads up to FUSE_MAX_MAX_PAGES (256) pages plus a header page per request.
    static var receiveBufferSize: Int { 256 * page + 4096 }

    /// Maps the journal at `path`, creating it with `slots` slots when it is missing or of another shape.
    /// `pending` lists what a previous process left unanswered.
    init(path: String, slots: Int) throws(MountError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .journal(path, errno) }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        // The shape of a previous journal wins while its requests are replayed; a fresh file gets ours.
        var slotCount = slots, slotSize = Self.page + Self.receiveBufferSize.roundedUp(to: Self.page)
        if st.st_size >= Self.page {
            var header = [UInt64](repeating: 0, count: 3)
            if pread(fd, &header, 24, 0) == 24, header[0] == Self.magic, header[1] > 0, header[1] <= 64,
               header[2] >= UInt64(2 * Self.page), off_t(Self.page) + off_t(header[1] * header[2]) == st.st_size {
                slotCount = Int(header[1]); slotSize = Int(header[2])
            } else {
                ftruncate(fd, 0)
            }
        }
        let length = Self.page + slotCount * slotSize
        guard ftruncate(fd, off_t(length)) == 0 else { throw .journal(path, errno) }
        guard let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw .journal(path, errno)
        }
        base = map; self.length = length
        self.slotCount = slotCount; self.slotSize = slotSize; bufferSize = slotSize - Self.page
        base.storeBytes(of: Self.magic, as: UInt64.self)
        base.storeBytes(of: UInt64(slotCount), toByteOffset: 8, as: UInt64.self)
        base.storeBytes(of: UInt64(slotSize), toByteOffset: 16, as: UInt64.self)
    }

    deinit { munmap(base, length) }

    func stateWord(_ slot: Int) -> UnsafeMutableRawPointer { base + Self.page + slot * slotSize }
    func buffer(_ slot: Int) -> UnsafeMutableRawPointer { stateWord(slot) + Self.page }

    func state(_ slot: Int) -> SlotState { SlotState(rawValue: cfuse_load_u32(stateWord(slot))) ?? .idle }
    func set(_ slot: Int, _ state: SlotState) { cfuse_store_u32(stateWord(slot), state.rawValue) }

    /// Before a worker reads: the previous request's header must not pass for a new one.
    func arm(_ slot: Int) {
        memset(buffer(slot), 0, 48)
        set(slot, .reading)
    }

    /// A write finished with `count` bytes and its reply goes out now.
    func replying(_ slot: Int, count: UInt32) {
        cfuse_store_u32(stateWord(slot) + 4, count)
        set(slot, .replying)
    }

    /// The slot whose receive buffer holds `pointer` (a write's data points into the request it came in).
    func slot(containing pointer: UnsafeRawPointer) -> Int? {
        let offset = pointer - UnsafeRawPointer(base) - Self.page
        guard offset >= 0, offset < slotCount * slotSize else { return nil }
        return offset / slotSize
    }

    /// Requests read and not answered, in the order the kernel queued them (its unique ids only grow).
    var pending: [Pending] {
        (0 ..< slotCount).compactMap { slot -> Pending? in
            let state = self.state(slot)
            guard state != .idle else { return nil }
            let header = buffer(slot)
            let length = header.load(as: UInt32.self), opcode = header.load(fromByteOffset: 4, as: UInt32.self)
            let unique = header.load(fromByteOffset: 8, as: UInt64.self)
            // A slot armed for a read that never came back has a zeroed header.
            guard length >= 40, Int(length) <= bufferSize, unique != 0 else { set(slot, .idle); return nil }
            return Pending(slot: slot, state: state == .reading ? .received : state, unique: unique, opcode: opcode,
                           length: length, writeReply: cfuse_load_u32(stateWord(slot) + 4))
        }.sorted { $0.unique < $1.unique }
    }

    /// Forgets every slot (a fresh mount: requests of an earlier connection mean nothing to this one).
    func clear() { for slot in 0 ..< slotCount { set(slot, .idle) } }
}

extension Int {
    func roundedUp(to multiple: Int) -> Int { (self + multiple - 1) / multiple * multiple }
}
