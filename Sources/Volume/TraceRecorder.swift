import BlockTrace
import Synchronization

/// Appends every read, write and flush the engine sees to a block-trace file (`teslacam trace record`).
///
/// Records are buffered and written out at each flush and every 4 MiB; a daemon killed between two leaves a trace
/// that ends early (its reader says where), never a corrupt middle.
public final class TraceRecorder: Sendable {
    private let file: BackingFile
    private struct State { var buffer: [UInt8] = []; var fileOffset: UInt64 = 0; var failed = false }
    private let state: Mutex<State>

    /// Creates (truncating) `path` and writes the header.
    public init(path: String, header: TraceHeader) throws(BackingStoreError) {
        file = try BackingFile(path: path, create: true)
        try file.setSize(0)
        state = Mutex(State(buffer: TraceFormat.encode(header)))
    }

    func recordWrite(_ data: UnsafeRawBufferPointer, at offset: UInt64) {
        append { TraceFormat.encodeWrite(offset: offset, data: data, into: &$0) }
    }

    func recordRead(at offset: UInt64, length: Int) {
        append { TraceFormat.encode(.read(offset: offset, length: UInt32(clamping: length)), into: &$0) }
    }

    func recordFlush() {
        append { TraceFormat.encode(.flush, into: &$0) }
        drain()
    }

    private func append(_ encode: (inout [UInt8]) -> Void) {
        let full = state.withLock { st -> Bool in
            encode(&st.buffer)
            return st.buffer.count >= 4 << 20
        }
        if full { drain() }
    }

    /// Writes the buffered records to the file; a trace that cannot be written stops quietly (the car comes first).
    public func drain() {
        state.withLock { st in
            guard !st.failed, !st.buffer.isEmpty else { return }
            do throws(BackingStoreError) {
                try file.write(st.buffer, at: st.fileOffset)
                st.fileOffset += UInt64(st.buffer.count)
            } catch {
                st.failed = true
            }
            st.buffer.removeAll(keepingCapacity: true)
        }
    }
}
