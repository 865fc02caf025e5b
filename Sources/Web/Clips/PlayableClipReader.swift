import Catalog
import MP4

/// A clip as a video element gets it (`?play=1`): the MP4 module's same-length `BrowserPlayable` patches applied
/// to every range read, so byte ranges of the served and the archived clip map one to one. Downloads and zips read
/// the clip unpatched: an owner's copy is the car's bytes exactly.
struct PlayableClipReader: ClipReader {
    let base: any ClipReader
    let patches: [BrowserPlayable.Patch]

    /// Patches are found once per clip version (a scan of the top-level boxes and one read of `moov`) and kept in
    /// `cache`: a video element's dozens of range requests do not each read the moov again. A clip without a
    /// readable `moov` (cut by a power cut) is served as it is.
    init(_ base: any ClipReader, clip: ClipRecord, cache: RecentCache<String, [BrowserPlayable.Patch]>) {
        self.base = base
        let key = "\(clip.id ?? 0):\(base.length):\(clip.sha256 ?? "\(clip.updatedAt)")"
        if let known = cache[key] {
            patches = known
        } else {
            patches = BrowserPlayable.patches(fileSize: base.length) { offset, count in
                (try? base.read(at: offset, count: count)) ?? []
            }
            cache[key] = patches
        }
    }

    var length: UInt64 { base.length }

    func read(at offset: UInt64, count: Int) throws(ClipStoreError) -> [UInt8] {
        var bytes = try base.read(at: offset, count: count)
        if !patches.isEmpty { BrowserPlayable.apply(patches, to: &bytes, at: offset) }
        return bytes
    }
}
