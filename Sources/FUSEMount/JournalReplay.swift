import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// Answers the requests a killed process had read and not answered, in the kernel's order (RequestJournal).
enum JournalReplay {
    struct Outcome: Equatable, Sendable {
        var rerun = 0
        var answered = 0
        var skipped = 0
        var total: Int { rerun + answered + skipped }
    }

    static func replay(_ journal: RequestJournal, session: OpaquePointer, descriptor: Int32) -> Outcome {
        var outcome = Outcome()
        for request in journal.pending {
            defer { journal.set(request.slot, .idle) }
            switch request.opcode {
            case FUSEOpcode.forget, FUSEOpcode.batchForget, FUSEOpcode.interrupt, FUSEOpcode.initialize, FUSEOpcode.destroy:
                // No reply is awaited (or INIT, replayed from its record first).
                outcome.skipped += 1
            case FUSEOpcode.write where request.state == .replying:
                answerWrite(unique: request.unique, count: request.writeReply, descriptor: descriptor)
                outcome.answered += 1
            default:
                journal.set(request.slot, .received)
                var buf = fuse_buf(size: Int(request.length), flags: fuse_buf_flags(rawValue: 0),
                                   mem: journal.buffer(request.slot), fd: -1, pos: 0)
                fuse_session_process_buf(session, &buf)
                outcome.rerun += 1
            }
        }
        return outcome
    }

    /// fuse_out_header + fuse_write_out: "count bytes written". The kernel refuses it (ENOENT) if the dead process's
    /// own reply had reached it.
    static func answerWrite(unique: UInt64, count: UInt32, descriptor: Int32) {
        var reply = [UInt8](repeating: 0, count: 24)
        reply.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(24), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: Int32(0), toByteOffset: 4, as: Int32.self)
            raw.storeBytes(of: unique, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: count, toByteOffset: 16, as: UInt32.self)
        }
        _ = write(descriptor, reply, reply.count)
    }
}
