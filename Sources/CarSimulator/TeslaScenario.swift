import BlockTrace
import FAT32

/// What a Tesla does to its USB drive, scaled down: every camera records one clip a minute into RecentClips, all
/// growing in parallel in chunks, with periodic flushes; the car deletes RecentClips older than `keepMinutes`;
/// every `eventEvery` minutes it saves an event (alternately SavedClips and SentryClips) by *moving* the last two
/// minutes of clips into `<event>/` and writing `event.json` and `thumb.png` there.
public struct TeslaScenario: Sendable {
    public var minutes = 5
    /// Data, not code: HW4 cars add left_pillar and right_pillar.
    public var cameras = ["front", "back", "left_repeater", "right_repeater"]
    public var clipBytes: ClosedRange<Int> = 256 << 10 ... 768 << 10
    public var chunkBytes: ClosedRange<Int> = 16 << 10 ... 128 << 10
    /// Rounds of chunks (one chunk per camera) between metadata writebacks, and between flushes.
    public var writebackEvery = 2
    public var flushEvery = 4
    public var keepMinutes = 3
    public var eventEvery = 3
    /// Seconds since 1970 of the first clip.
    public var start: Int64 = 1_764_064_800  // 2025-11-25 10:00:00
    public var seed: UInt64 = 1

    public init() {}

    /// What the scenario left on the volume, and what the car deleted, with the content of each.
    public struct Entry: Equatable, Sendable {
        public enum State: String, Sendable { case present, deleted }
        public enum Content: Equatable, Sendable { case pattern(seed: UInt64), bytes([UInt8]) }
        public var state: State
        public var path: String
        public var size: UInt64
        public var content: Content
    }

    /// Runs the scenario against `fs`, returning the manifest.
    public func run(on fs: inout SimulatedFileSystem) -> [Entry] {
        var rng = SplitMix64(seed: seed)
        let teslaCam = SimulatedFileSystem.teslaCamCluster
        let recent = fs.makeDirectory("RecentClips", in: teslaCam)
        let saved = fs.makeDirectory("SavedClips", in: teslaCam)
        let sentry = fs.makeDirectory("SentryClips", in: teslaCam)
        fs.flush()

        struct Clip { var id: Int; var minute: Int; var name: String; var path: String; var target: Int; var seed: UInt64 }
        var live: [Clip] = []          // still in RecentClips
        var kept: [Int: (path: String, clip: Clip)] = [:]  // moved into events
        var manifest: [Entry] = []
        var nextSeed = seed &* 1_000_003

        for minute in 0..<minutes {
            let stamp = Self.stamp(start + Int64(minute) * 60)
            var clips: [Clip] = cameras.map { camera in
                nextSeed &+= 1
                let name = "\(stamp)-\(camera).mp4"
                let id = fs.createFile(name, in: recent, seed: nextSeed)
                return Clip(id: id, minute: minute, name: name, path: "TeslaCam/RecentClips/\(name)",
                            target: Int.random(in: clipBytes, using: &rng), seed: nextSeed)
            }
            var round = 0
            while clips.contains(where: { fs.size(of: $0.id) < UInt64($0.target) }) {
                for clip in clips {
                    let remaining = clip.target - Int(fs.size(of: clip.id))
                    if remaining > 0 { fs.append(clip.id, count: min(remaining, Int.random(in: chunkBytes, using: &rng))) }
                }
                round += 1
                if round % flushEvery == 0 { fs.flush() }
                else if round % writebackEvery == 0 { fs.writeback(includingFAT2: rng.next() % 2 == 0) }
            }
            fs.flush()
            live += clips
            clips.removeAll()

            // Saving an event moves the last two minutes out of RecentClips.
            if eventEvery > 0, minute % eventEvery == eventEvery - 1 {
                let isSentry = (minute / eventEvery) % 2 == 1
                let folder = isSentry ? "SentryClips" : "SavedClips"
                let event = fs.makeDirectory(stamp, in: isSentry ? sentry : saved)
                for clip in live where clip.minute >= minute - 1 {
                    fs.move(clip.id, to: event, name: clip.name)
                    kept[clip.id] = ("TeslaCam/\(folder)/\(stamp)/\(clip.name)", clip)
                }
                live.removeAll { $0.minute >= minute - 1 }
                let json = Array(#"{"timestamp":"\#(Self.isoStamp(start + Int64(minute) * 60))","city":"Palo Alto","street":"Deer Creek Rd","est_lat":"37.3947","est_lon":"-122.1503","reason":"\#(isSentry ? "sentry_aware_object_detection" : "user_interaction_dashcam_icon_tapped")","camera":"0"}"#.utf8)
                let thumb = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }
                for (name, bytes) in [("event.json", json), ("thumb.png", thumb)] {
                    _ = fs.createFile(name, in: event, bytes: bytes)
                    manifest.append(Entry(state: .present, path: "TeslaCam/\(folder)/\(stamp)/\(name)",
                                          size: UInt64(bytes.count), content: .bytes(bytes)))
                }
                fs.flush()
            }
            // The car's circular buffer.
            for clip in live where clip.minute <= minute - keepMinutes {
                manifest.append(Entry(state: .deleted, path: clip.path, size: fs.size(of: clip.id),
                                      content: .pattern(seed: clip.seed)))
                fs.delete(clip.id)
            }
            live.removeAll { $0.minute <= minute - keepMinutes }
            fs.flush()
        }
        for clip in live {
            manifest.append(Entry(state: .present, path: clip.path, size: fs.size(of: clip.id), content: .pattern(seed: clip.seed)))
        }
        for (id, (path, clip)) in kept {
            manifest.append(Entry(state: .present, path: path, size: fs.size(of: id), content: .pattern(seed: clip.seed)))
        }
        return manifest.sorted { ($0.state.rawValue, $0.path) < ($1.state.rawValue, $1.path) }
    }

    /// `YYYY-MM-DD_HH-MM-SS`, the car's clip and event stamp (UTC here; the car uses local time).
    static func stamp(_ seconds: Int64) -> String {
        let t = DOSDateTime(secondsSince1970: seconds)
        return "\(t.year)-\(pad(t.month))-\(pad(t.day))_\(pad(t.hour))-\(pad(t.minute))-\(pad(t.second))"
    }

    static func isoStamp(_ seconds: Int64) -> String {
        let t = DOSDateTime(secondsSince1970: seconds)
        return "\(t.year)-\(pad(t.month))-\(pad(t.day))T\(pad(t.hour)):\(pad(t.minute)):\(pad(t.second))"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
