import Catalog
import ClipRepair
import Foundation
import MP4

/// The live views of the clips being recorded, kept between requests: a clip's frame walk resumes as it grows,
/// and the views a video element is still reading stay at hand for its range requests.
final class LiveMovies: Sendable {
    struct Entry: Sendable {
        var scanner = FrameScanner()
        /// Newest last; a few, for players still reading an older one.
        var views: [LiveMovie] = []
        var builtAt: Double = -.infinity
    }

    /// A view is re-derived at most this often per clip, however many players ask.
    static let refreshSeconds = 1.0
    static let viewsPerClip = 4
    static let complete = "is complete: play it as it is"

    let catalog: ClipCatalog
    let clips: any ClipStore
    let clock: @Sendable () -> Double
    private let entries = RecentCache<Int64, Entry>(capacity: 24)
    /// A camera's reference clip: its codec settings do not change from one minute to the next.
    private let references = RecentCache<String, RepairReference>(capacity: 8)

    init(catalog: ClipCatalog, clips: any ClipStore, clock: @escaping @Sendable () -> Double) {
        self.catalog = catalog
        self.clips = clips
        self.clock = clock
    }

    /// The newest view of `clip` read through `reader` (opened now: its length is the bytes written so far).
    func current(_ clip: ClipRecord, reader: any ClipReader) throws(WebError) -> LiveMovie {
        let id = clip.id ?? 0
        let entry = entries[id] ?? Entry()
        if let newest = entry.views.last, newest.upto == reader.length || clock() - entry.builtAt < Self.refreshSeconds {
            return newest
        }
        return try build(clip, reader: reader, upto: reader.length, entry: entry)
    }

    /// The view of the first `upto` bytes: the one a player started reading, rebuilt if it has been dropped.
    func view(_ clip: ClipRecord, reader: any ClipReader, upto: UInt64) throws(WebError) -> LiveMovie {
        let id = clip.id ?? 0
        let entry = entries[id] ?? Entry()
        if let known = entry.views.last(where: { $0.upto == upto }) { return known }
        guard upto <= reader.length else {
            throw WebError(.rangeNotSatisfiable, "clip \(id) has \(reader.length) bytes so far, not \(upto)")
        }
        return try build(clip, reader: reader, upto: upto, entry: entry)
    }

    private func build(_ clip: ClipRecord, reader: any ClipReader, upto: UInt64, entry: Entry) throws(WebError) -> LiveMovie {
        let id = clip.id ?? 0
        let reference = try reference(for: clip)
        var entry = entry
        let movie: LiveMovie
        do {
            movie = try LiveMovie.build(upto: upto, read: { (try? reader.read(at: $0, count: $1)) ?? [] },
                                        reference: reference, scanner: &entry.scanner)
        } catch .notTruncated {
            throw WebError(.conflict, "clip \(id) " + Self.complete)
        } catch {
            throw WebError(.conflict, "clip \(id) cannot be played live yet: \(error)")
        }
        entry.views.removeAll { $0.upto == upto }
        entry.views.append(movie)
        entry.views.sort { $0.upto < $1.upto }
        if entry.views.count > Self.viewsPerClip { entry.views.removeFirst(entry.views.count - Self.viewsPerClip) }
        if movie.upto == entry.views.last?.upto { entry.builtAt = clock() }
        entries[id] = entry
        return movie
    }

    /// A complete clip of the same camera, the nearest in time: RecentClips around the clip and its event's
    /// first, then any day's (a camera's codec settings stay the same from one day to the next until a firmware
    /// update, and a reference that does not parse is passed over).
    func reference(for clip: ClipRecord) throws(WebError) -> RepairReference {
        let camera = clip.camera ?? ""
        if let known = references[camera] { return known }
        var candidates: [ClipRecord] = []
        if let time = clip.clipTime { candidates += (try? catalog.recentClips(in: (time - 6 * 3600)...(time + 3600))) ?? [] }
        if let event = clip.event { candidates += (try? catalog.rows(ofEvent: event)) ?? [] }
        let time = clip.clipTime ?? 0
        let usable = candidates.filter { $0.camera == clip.camera && $0.state == .complete && $0.kind == .mp4 && $0.id != clip.id }
            .sorted { abs(($0.clipTime ?? 0) - time) < abs(($1.clipTime ?? 0) - time) }
        let anyDay = clip.camera.map { (try? catalog.completeClips(camera: $0, near: time)) ?? [] } ?? []
        var tried = Set<Int64>()
        for candidate in usable.prefix(8) + anyDay where tried.insert(candidate.id ?? 0).inserted {
            guard let reader = try? clips.open(candidate) else { continue }
            let read: (UInt64, Int) -> [UInt8] = { (try? reader.read(at: $0, count: $1)) ?? [] }
            if let reference = try? RepairReference.read(fileSize: reader.length, read: read) {
                references[camera] = reference
                return reference
            }
        }
        throw WebError(.conflict, Self.waitingForReference(camera: camera))
    }

    /// What the owner waits for when no clip of the camera has been finished yet, in words.
    static func waitingForReference(camera: String) -> String {
        let name = camera.isEmpty ? "this camera" : "the " + camera.replacingOccurrences(of: "_", with: " ") + " camera"
        return "Waiting for the car to finish its first clip of \(name): a clip being recorded does not yet hold the "
            + "index a browser needs, and the board has no finished clip of \(name) to borrow its settings from. "
            + "Live playback starts when this minute ends."
    }
}
