import Crypto
import Foundation
import Ingest
import Logging
import NIOCore
import SigV4
import Synchronization

/// What a tus request is answered with (the Hummingbird shell turns it into a response).
struct TusReply: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var json: String? = nil
}

/// The tus 1.0 server: creation, core (HEAD/PATCH), checksum, termination, expiration. Every byte it keeps is in
/// the object store (parts of a multipart upload, a tail under a part's size, a state object), so an instance
/// killed mid-upload loses only the request in flight, and any other instance continues the upload.
///
/// The reliable ack: the upload's offset reaches its length only once the object is complete, read back with
/// the metadata's sha256, and catalogued. Until then HEAD holds back the last byte, so a tus client resends it
/// and the finishing steps run again (each is idempotent).
final class TusService: Sendable {
    let config: IngestConfig
    let store: ObjectStore
    let catalog: FleetCatalog
    let keys: ObjectKeys
    let metrics: IngestMetrics
    let dispatch: RecordDispatch
    let logger: Logger
    let limits: SharedRateLimits
    let digests = StreamDigests()

    init(config: IngestConfig, store: ObjectStore, catalog: FleetCatalog, metrics: IngestMetrics, logger: Logger) {
        self.config = config
        self.store = store
        self.catalog = catalog
        self.metrics = metrics
        self.logger = logger
        keys = ObjectKeys(prefix: config.storage.prefix)
        dispatch = RecordDispatch(dispatchers: config.dispatchers, records: config.records, logger: logger, metrics: metrics)
        limits = SharedRateLimits(config.rateLimit, catalog: catalog)
    }

    static var now: Double { Date().timeIntervalSince1970 }

    // MARK: rate limits

    func admit(device: String) async throws(TusError) {
        if let wait = await limits.admit(device: device) {
            metrics.add("teslacam_ingest_rate_limit_hits_total", [("limit", "requestsPerMinute")])
            throw TusError(429, "device \(device) is over its \(config.rateLimit.requestsPerMinute ?? 0) requests per minute; try again in \(wait) s", retryAfter: wait)
        }
    }

    // MARK: OPTIONS

    func options() -> TusReply {
        TusReply(status: 204, headers: [("Tus-Version", Tus.version), ("Tus-Extension", Tus.extensions),
                                        ("Tus-Max-Size", "\(config.uploads.maxSize)"),
                                        ("Tus-Checksum-Algorithm", Tus.checksumAlgorithms)])
    }

    // MARK: POST (creation)

    func create(device: String, header: (String) -> String?) async throws(TusError) -> TusReply {
        try Tus.checkResumable(header("Tus-Resumable"))
        if header("Upload-Defer-Length") != nil {
            throw .badRequest("Upload-Defer-Length is not supported: a board knows each file's length; send Upload-Length")
        }
        let length = try Tus.nonNegative(header("Upload-Length"), header: "Upload-Length")
        guard length <= config.uploads.maxSize else {
            throw TusError(413, "Upload-Length \(length) is more than this server's Tus-Max-Size \(config.uploads.maxSize)")
        }
        let metadata = try UploadMetadata(header: header("Upload-Metadata"))
        let id = Self.newID()
        var state = UploadState(id: id, device: device, metadata: metadata, length: length,
                                objectKey: keys.file(device: device, path: metadata.path), now: Self.now)
        try await storeCall("open the upload", step: "create") {
            try await catalog.seen(device: device)
            if try await catalog.isStored(device: device, path: state.path, sha256: state.sha256) {
                state.completed = true
                state.alreadyStored = true
            } else if length > 0 {
                state.multipartID = try await store.createMultipart(state.objectKey)
            }
            try await saveState(state)
            try await catalog.created(state)
        }
        var headers = [("Location", "/files/\(id)"), ("Upload-Expires", httpDate(state.expires(after: config.uploads.expireAfterSeconds)))]
        if state.alreadyStored {
            metrics.add("teslacam_ingest_already_stored_total")
            headers.append(("Upload-Offset", "\(length)"))
            headers.append(("TeslaCam-Ack", "already-stored"))
        }
        return TusReply(status: 201, headers: headers)
    }

    // MARK: HEAD

    func head(device: String, id: String, header: (String) -> String?) async throws(TusError) -> TusReply {
        try Tus.checkResumable(header("Tus-Resumable"))
        let state = try await loadState(id, device: device)
        return TusReply(status: 200, headers: [("Upload-Offset", "\(reportedOffset(state))"), ("Upload-Length", "\(state.length)"),
                                               ("Cache-Control", "no-store"),
                                               ("Upload-Expires", httpDate(state.expires(after: config.uploads.expireAfterSeconds)))])
    }

    /// The offset a client sees: everything kept, but the last byte only once the upload is acknowledged.
    func reportedOffset(_ state: UploadState) -> Int64 {
        state.completed || state.length == 0 ? state.length : min(state.offset, state.length - 1)
    }

    // MARK: DELETE (termination)

    func terminate(device: String, id: String, header: (String) -> String?) async throws(TusError) -> TusReply {
        try Tus.checkResumable(header("Tus-Resumable"))
        guard Tus.isUploadID(Substring(id)) else { throw .notFound }
        // Not under a PATCH in progress (which would write its state back after the removal).
        let lease = try await hold(id, device: device)
        do {
            let reply = try await terminateHeld(device: device, id: id)
            await lease.release()
            return reply
        } catch {
            await lease.release()
            throw error
        }
    }

    private func terminateHeld(device: String, id: String) async throws(TusError) -> TusReply {
        let state = try await loadState(id, device: device, allowExpired: true)
        try await storeCall("terminate the upload") {
            if let multipart = state.multipartID, !state.completed { try await store.abortMultipart(state.objectKey, uploadID: multipart) }
            try await store.delete(keys.tail(id))
            try await store.delete(keys.state(id))
            try await catalog.terminated(id)
        }
        digests.forget(id)
        return TusReply(status: 204)
    }

    // MARK: PATCH (core + checksum)

    func patch<Body: AsyncSequence & Sendable>(device: String, id: String, header: (String) -> String?, body: Body) async throws(TusError) -> TusReply
    where Body.Element == ByteBuffer {
        try Tus.checkResumable(header("Tus-Resumable"))
        try Tus.checkPatchContentType(header("Content-Type"))
        let claimed = try Tus.nonNegative(header("Upload-Offset"), header: "Upload-Offset")
        let checksum = try header("Upload-Checksum").map { (h) throws(TusError) in try UploadChecksum(header: h) }
        // Across instances, one PATCH of an upload at a time: the other answers 409 with where the upload is.
        let lease = try await hold(id, device: device)
        do {
            let reply = try await patchHeld(device: device, id: id, claimed: claimed, checksum: checksum, lease: lease, header: header, body: body)
            await lease.release()
            return reply
        } catch {
            await lease.release()
            throw error
        }
    }

    /// Takes the upload for this request across instances, or answers 409 with where the upload is.
    func hold(_ id: String, device: String) async throws(TusError) -> UploadLease {
        guard Tus.isUploadID(Substring(id)) else { throw .notFound }
        let leasing = ContinuousClock.now
        do {
            let acquired = try await UploadLease.acquire(id, catalog: catalog, seconds: config.uploads.leaseSeconds)
            metrics.time("lease", since: leasing)
            guard let taken = acquired else {
                let state = try await loadState(id, device: device)
                metrics.add("teslacam_ingest_errors_total", [("reason", "concurrent_patch")])
                throw TusError(409, "another PATCH of this upload is in progress (on this or another instance); nothing of this request was done: "
                               + "ask with HEAD and continue from Upload-Offset \(reportedOffset(state)) once it is done",
                               retryAfter: 1, headers: ["Upload-Offset": "\(reportedOffset(state))"])
            }
            return taken
        } catch let error as TusError { throw error } catch {
            metrics.add("teslacam_ingest_errors_total", [("reason", "backend")])
            logger.warning("cannot take the upload \(id) for a request: \(String(reflecting: error))")
            throw TusError(503, "the catalog (PostgreSQL) cannot be reached, so this request cannot be kept apart from others of the same upload (\(error)); "
                           + "nothing is acknowledged, try again shortly", retryAfter: 5)
        }
    }

    /// The PATCH with its upload held (`lease`): nothing else writes this upload's parts, tail or state meanwhile.
    private func patchHeld<Body: AsyncSequence & Sendable>(device: String, id: String, claimed: Int64, checksum: UploadChecksum?, lease: UploadLease,
                                                         header: (String) -> String?, body: Body) async throws(TusError) -> TusReply
    where Body.Element == ByteBuffer {
        var state = try await loadState(id, device: device)
        if state.completed {
            // Acknowledged before (an ack the client missed): say so again. A file stored before this upload was
            // created is acknowledged at whatever offset the client starts from (tuspy PATCHes from 0 after a
            // POST, without a HEAD): nothing of the body is needed.
            if !state.alreadyStored { try Tus.checkOffset(claimed, actual: state.length) }
            return ack(state)
        }
        try Tus.checkOffset(claimed, actual: reportedOffset(state))
        let declared = header("Content-Length").flatMap { Int64($0) }
        if let declared, claimed + declared > state.length {
            throw TusError(413, "this PATCH would end at \(claimed + declared), past the upload's length \(state.length)")
        }
        if let wait = await limits.byteDebt(device: device) {
            metrics.add("teslacam_ingest_rate_limit_hits_total", [("limit", "bytesPerSecond")])
            throw TusError(429, "device \(device) is over its \(config.rateLimit.bytesPerSecond ?? 0) bytes per second; try again in \(wait) s", retryAfter: wait)
        }
        // The held-back last byte resent: everything is stored already; only the finishing steps remain.
        let resending = state.offset == state.length
        let partSize = Int(config.storage.partSize)
        var buffer: [UInt8] = []
        // A part and a read's worth: growing to it by doubling cost copies and page faults (perf: ~10 % of the CPU).
        // Streamed parts (a declared length) keep their bytes in the request's own buffers instead.
        if declared == nil || !config.uploads.streamParts { buffer.reserveCapacity(partSize + (1 << 20)) }
        if state.tailSize > 0 && !resending {
            // A tail written just before an instance died may be longer than the state says: its start is the same.
            guard let tail = try await storeCall("read the upload's tail", step: "s3_state", { try await store.get(keys.tail(id)) }),
                  tail.count >= state.tailSize else {
                throw TusError(503, "the upload's stored tail is missing or short; try again shortly", retryAfter: 5)
            }
            buffer.append(contentsOf: tail.prefix(Int(state.tailSize)))
        }
        var hasher = checksum.map { UploadChecksum.Hasher($0.algorithm) }
        // The whole file's sha256 as it arrives, when every byte so far came through this instance.
        var running = resending ? nil : digests.take(id, at: state.offset)
        var received: Int64 = 0
        var request: [UInt8] = []  // with a checksum, nothing is kept until the whole request is verified
        var failure: TusError?
        var renewed = Self.now
        // Without a declared length: one part at a time is stored while the next one's bytes arrive.
        var inFlight: PartInFlight?
        // With one: each part whose bytes all come in this PATCH is PUT while they arrive (StreamedPart).
        var streaming: StreamedPart?
        var streamed: [StreamedPart] = []  // every byte in, committed unless the request has a checksum
        var landed = 0
        let patchEnd = declared.map { claimed + $0 }
        var partStart = state.parts.reduce(0) { $0 + $1.size }
        func streamNext() {
            guard config.uploads.streamParts, !resending, let patchEnd, let multipart = state.multipartID,
                  let size = UploadState.streamedPart(start: partStart, patchEnd: patchEnd, length: state.length, partSize: config.storage.partSize)
            else { return }
            let part = StreamedPart(store: store, key: state.objectKey, uploadID: multipart, number: state.parts.count + streamed.count + 1, size: size)
            if !buffer.isEmpty {
                var tail = ByteBuffer(bytes: buffer)
                part.take(&tail)
                buffer.removeAll(keepingCapacity: true)
            }
            streaming = part
        }
        streamNext()
        let receiving = ContinuousClock.now
        defer { metrics.time("patch_body", since: receiving) }
        do {
            for try await chunk in body {
                let bytes = chunk.readableBytesView
                guard claimed + received + Int64(bytes.count) <= state.length else {
                    failure = TusError(413, "the PATCH body goes past the upload's length \(state.length)")
                    break
                }
                received += Int64(bytes.count)
                metrics.add("teslacam_ingest_bytes_total", [("kind", state.kind.rawValue)], Double(bytes.count))
                let pause = await limits.take(device: device, bytes: bytes.count)
                if pause > 0 { try? await Task.sleep(for: .seconds(min(pause, 30))) }
                if Self.now - renewed > Double(lease.seconds) / 3 {
                    try await fence(lease, "receive more of it")
                    renewed = Self.now
                }
                if resending { continue }
                hasher?.update(bytes)
                running?.update(bytes)
                var rest = chunk
                while rest.readableBytes > 0, let part = streaming {
                    part.take(&rest)
                    guard part.isFull else { continue }
                    streamed.append(part)
                    streaming = nil
                    partStart += part.size
                    if checksum == nil {
                        try await fence(lease, "store part \(part.number)")
                        part.commit()
                        // A few parts in flight at most: beyond, receiving waits for the store (TCP pushes back).
                        if streamed.count - landed > Self.partsInFlight {
                            try await landStreamed(&state, streamed[landed], &running)
                            landed += 1
                        }
                    }
                    streamNext()
                }
                guard rest.readableBytes > 0 else { continue }
                if hasher != nil { request.append(contentsOf: rest.readableBytesView); continue }
                buffer.append(contentsOf: rest.readableBytesView)
                if buffer.count >= partSize {
                    // (Past the declared length's parts only with a body longer than declared: numbered after them.)
                    while landed < streamed.count { try await landStreamed(&state, streamed[landed], &running); landed += 1 }
                    try await startPart(&state, &buffer, &inFlight, lease: lease)
                }
            }
        } catch let error as TusError {
            // The upload taken by another PATCH, or a part that could not be stored (its bytes are no longer in the
            // buffer): this PATCH writes nothing more, and answers only once its parts in flight have settled.
            _ = await inFlight?.value
            await streaming?.abandon()
            for part in streamed[landed...] { await part.abandon() }
            throw error
        } catch {
            // The client went away (or the connection broke): keep what arrived, as tus does.
            logger.info("PATCH of \(id) from \(device) cut after \(received) bytes: \(error)")
        }
        if let part = streaming {
            // Cut short of the part's end: the store keeps nothing of it, its bytes become the tail.
            await part.abandon()
            buffer.insert(contentsOf: part.bytes, at: 0)
            streaming = nil
        }
        try await landPart(&state, &inFlight)
        if let checksum, let hasher {
            do { try checksum.verify(hasher) } catch {
                metrics.add("teslacam_ingest_errors_total", [("reason", "checksum")])
                for part in streamed[landed...] { await part.abandon() }
                throw error
            }
            if landed < streamed.count { try await fence(lease, "store part \(streamed[landed].number)") }
            for part in streamed[landed...] { part.commit() }
            buffer.append(contentsOf: request)
        }
        do {
            while landed < streamed.count {
                try await landStreamed(&state, streamed[landed], &running)
                landed += 1
            }
        } catch {
            for part in streamed[landed...] { await part.abandon() }
            throw error
        }
        if !resending {
            let final = state.parts.reduce(0) { $0 + $1.size } + Int64(buffer.count) == state.length
            if final {
                try await flushParts(&state, &buffer, final: true, lease: lease)
                if !streamed.isEmpty {
                    // Its parts recorded before the object is completed: a client that lost the answer then
                    // resends only the held-back last byte.
                    let saved = state
                    try await storeCall("record the parts", step: "s3_state") { try await saveState(saved) }
                }
            } else {
                try await flushParts(&state, &buffer, final: false, lease: lease)
                try await fence(lease, "keep its tail")
                try await storeCall("keep the upload's tail", step: "s3_state") {
                    if !buffer.isEmpty { try await store.put(keys.tail(id), buffer) }
                    state.tailSize = Int64(buffer.count)
                    state.updated = Self.now
                    try await saveState(state)
                }
                if let running, running.count == state.offset { digests.keep(id, running) }
            }
        }
        if let failure { throw failure }
        if state.offset == state.length {
            try await finish(&state, lease: lease, digest: running?.count == state.length && !config.uploads.readBack ? running : nil)
            return ack(state)
        }
        return TusReply(status: 204, headers: [("Upload-Offset", "\(reportedOffset(state))"),
                                               ("Upload-Expires", httpDate(state.expires(after: config.uploads.expireAfterSeconds)))])
    }

    private func ack(_ state: UploadState) -> TusReply {
        TusReply(status: 204, headers: [("Upload-Offset", "\(state.length)")] + (state.alreadyStored ? [("TeslaCam-Ack", "already-stored")] : []))
    }

    typealias PartInFlight = Task<Result<UploadState, TusError>, Never>

    /// Streamed parts of one PATCH stored at once (memory: a part each, shared with the request's buffers).
    static let partsInFlight = 4

    /// Waits for a streamed part and records it in `state` (saved by the PATCH once all its parts have landed). A
    /// part whose ETag does not vouch for its bytes leaves the upload to be read back at its ack.
    private func landStreamed(_ state: inout UploadState, _ part: StreamedPart, _ running: inout StreamDigests.Running?) async throws(TusError) {
        let (etag, verified) = try await storeCall("store part \(part.number)", step: "s3_part") { try await part.land(store) }
        state.parts.append(.init(number: part.number, etag: etag, size: part.size))
        state.tailSize = 0
        state.updated = Self.now
        metrics.add("teslacam_ingest_streamed_parts_total", [("etag", verified ? "md5" : "other")])
        if !verified { running = nil }
    }

    /// Takes the next part's bytes off `buffer` and stores it (then records it in the state object) in a task of
    /// its own, once the part before it has landed.
    private func startPart(_ state: inout UploadState, _ buffer: inout [UInt8], _ inFlight: inout PartInFlight?,
                           lease: UploadLease) async throws(TusError) {
        try await landPart(&state, &inFlight)
        guard let multipart = state.multipartID else { return }
        let size = Int(config.storage.partSize)
        let number = state.parts.count + 1
        try await fence(lease, "store part \(number)")
        // The part leaves with the buffer's storage (no copy of it); only the few bytes past it are copied back.
        var bytes: [UInt8] = []
        swap(&bytes, &buffer)
        buffer.reserveCapacity(size + (1 << 20))
        buffer.append(contentsOf: bytes[size...])
        bytes.removeLast(bytes.count - size)
        let key = state.objectKey
        var next = state
        inFlight = Task {
            do throws(TusError) {
                let etag = try await storeCall("store part \(number)", step: "s3_part") { try await store.uploadPart(key, uploadID: multipart, number: number, bytes) }
                next.parts.append(.init(number: number, etag: etag, size: Int64(size)))
                next.tailSize = 0
                next.updated = Self.now
                let saved = next
                try await storeCall("record part \(number)", step: "s3_state") { try await saveState(saved) }
                return .success(saved)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Waits for the part in flight; the upload's state is then the one it recorded.
    private func landPart(_ state: inout UploadState, _ inFlight: inout PartInFlight?) async throws(TusError) {
        guard let task = inFlight else { return }
        inFlight = nil
        state = try await task.value.get()
    }

    /// Cuts `buffer` into parts and uploads them, recording each in the state object as it is stored.
    private func flushParts(_ state: inout UploadState, _ buffer: inout [UInt8], final: Bool, lease: UploadLease) async throws(TusError) {
        let cuts = UploadState.partCuts(buffered: Int64(buffer.count), partSize: config.storage.partSize, final: final)
        guard !cuts.isEmpty, let multipart = state.multipartID else {
            if final { state.tailSize = 0 }
            return
        }
        var start = 0
        for cut in cuts {
            let bytes = Array(buffer[start..<start + Int(cut)])
            let number = state.parts.count + 1
            try await fence(lease, "store part \(number)")
            let etag = try await storeCall("store part \(number)", step: "s3_part") { try await store.uploadPart(state.objectKey, uploadID: multipart, number: number, bytes) }
            state.parts.append(.init(number: number, etag: etag, size: cut))
            state.tailSize = 0
            state.updated = Self.now
            start += Int(cut)
            let saved = state
            try await storeCall("record part \(number)", step: "s3_state") { try await saveState(saved) }
        }
        buffer.removeFirst(start)
    }

    /// Completes the object, reads it back against the metadata's sha256, catalogues it: then it is acknowledged.
    /// `digest`, the sha256 of every byte as this instance received and stored it in the parts, stands in for the
    /// read-back (S3 checked each part against its signed payload hash, and the completion against the parts' ETags).
    private func finish(_ state: inout UploadState, lease: UploadLease, digest running: StreamDigests.Running?) async throws(TusError) {
        try await fence(lease, "complete it")
        if let multipart = state.multipartID {
            let current = state
            try await storeCall("complete the object", step: "s3_complete") {
                try await store.completeMultipart(current.objectKey, uploadID: multipart, parts: current.parts)
            }
            state.multipartID = nil
            let saved = state
            try await storeCall("record the completed object", step: "s3_state") { try await saveState(saved) }
        } else if state.length == 0 {
            try await storeCall("store the empty file") { try await store.put(state.objectKey, []) }
        }
        let key = state.objectKey
        let digest = if let running { Array(running.hash.finalize()) } else {
            try await storeCall("read the object back", step: "s3_read_back") { try await store.sha256(of: key) }
        }
        metrics.add("teslacam_ingest_verified_total", [("by", running == nil ? "read_back" : "stream")])
        guard SigV4Encoding.hex(digest) == state.sha256 else {
            metrics.add("teslacam_ingest_errors_total", [("reason", "sha256")])
            let current = state
            try? await store.delete(current.objectKey)
            try? await store.delete(keys.state(current.id))
            throw TusError(460, "the file's sha256 is \(SigV4Encoding.hex(digest)), not the \(state.sha256) its metadata names; "
                                + "nothing was kept: create the upload again")
        }
        let stored = state
        let cataloguing = ContinuousClock.now
        defer { metrics.time("catalog", since: cataloguing) }
        do { try await catalog.stored(stored) } catch {
            metrics.add("teslacam_ingest_errors_total", [("reason", "catalog")])
            logger.warning("cannot catalogue \(stored.objectKey): \(String(reflecting: error))")
            throw TusError(503, "the file is stored but the catalog (PostgreSQL) cannot record it yet; resend the last byte to finish", retryAfter: 5)
        }
        state.completed = true
        state.updated = Self.now
        let done = state
        try await storeCall("record the acknowledgement", step: "s3_state") {
            try await saveState(done)
            try await store.delete(keys.tail(done.id))
        }
        metrics.add("teslacam_ingest_records_total", [("kind", state.kind.rawValue)])
        metrics.add("teslacam_ingest_reliable_acks_total", [("kind", state.kind.rawValue)])
        dispatch.dispatch(state)
        logger.info("stored \(state.objectKey) (\(state.length) bytes) for \(state.device)")
    }

    /// Renews the PATCH's hold before it writes: if another PATCH took the upload meanwhile (this one stalled past
    /// uploads.leaseSeconds), this one stops with 409 and writes nothing more.
    private func fence(_ lease: UploadLease, _ what: String) async throws(TusError) {
        let held: Bool
        do { held = try await lease.renew() } catch {
            metrics.add("teslacam_ingest_errors_total", [("reason", "backend")])
            throw TusError(503, "the catalog (PostgreSQL) cannot be reached to hold this upload while it is written (\(error)); "
                           + "nothing more of this PATCH was kept, ask with HEAD and try again shortly", retryAfter: 5)
        }
        guard held else {
            metrics.add("teslacam_ingest_errors_total", [("reason", "lease_lost")])
            throw TusError(409, "this PATCH stalled for more than \(lease.seconds) s and another took the upload before it could \(what); "
                           + "ask with HEAD where the upload is", retryAfter: 1)
        }
    }

    // MARK: state

    private func saveState(_ state: UploadState) async throws {
        try await store.put(keys.state(state.id), Array(try JSONEncoder().encode(state)))
    }

    /// The upload's state; an expired one is removed and answered 410. `device` nil: whichever device's (the sweep).
    func loadState(_ id: String, device: String?, allowExpired: Bool = false) async throws(TusError) -> UploadState {
        guard Tus.isUploadID(Substring(id)) else { throw .notFound }
        guard let bytes = try await storeCall("read the upload's state", step: "s3_state", { try await store.get(keys.state(id)) }) else { throw .notFound }
        guard let state = try? JSONDecoder().decode(UploadState.self, from: Data(bytes)), device == nil || state.device == device else { throw .notFound }
        if !allowExpired && isExpired(state) {
            await remove(state)
            throw TusError(410, "this upload expired (no bytes for \(config.uploads.expireAfterSeconds / 3600) h) and was removed: create it again")
        }
        return state
    }

    func isExpired(_ state: UploadState) -> Bool {
        !state.completed && state.expires(after: config.uploads.expireAfterSeconds) < Self.now
    }

    /// Everything an unfinished upload keeps in the store (best effort: a bucket lifecycle rule is the backstop).
    func remove(_ state: UploadState) async {
        if let multipart = state.multipartID { try? await store.abortMultipart(state.objectKey, uploadID: multipart) }
        try? await store.delete(keys.tail(state.id))
        try? await store.delete(keys.state(state.id))
        digests.forget(state.id)
    }

    /// A step that needs the store or the catalog: their failure is a 503 in words, and no ack.
    private func storeCall<T>(_ what: String, step: String = "other", _ body: () async throws -> T) async throws(TusError) -> T {
        let started = ContinuousClock.now
        defer { metrics.time(step, since: started) }
        do { return try await body() } catch let error as TusError { throw error } catch {
            metrics.add("teslacam_ingest_errors_total", [("reason", "backend")])
            logger.warning("cannot \(what): \(String(reflecting: error))")
            throw TusError(503, "cannot \(what) now (\(error)); nothing is acknowledged, try again shortly", retryAfter: 5)
        }
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private func httpDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
