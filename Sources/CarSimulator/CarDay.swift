import BlockTrace
import FAT32

/// A car's day, minute by minute, for soaks: driving (every camera records a clip a minute, the car deletes
/// RecentClips older than `keepMinutes`, a saved event now and then) and parking (Sentry Mode recording only when
/// something triggers it, saved into SentryClips; or the car asleep, writing nothing). The car clears its oldest
/// event folder beyond `keepEvents`, as it frees old events when its drive fills, so its live files stay level
/// over days and what grows in a soak is what the engine keeps, not the car.
///
/// Each `advance()` plays one minute and leaves its block writes in `drainRecords()`.
public struct CarDay {
    public enum Activity: String, Sendable { case driving, sentry, asleep }

    public var cameras = ["front", "back", "left_repeater", "right_repeater", "left_pillar", "right_pillar"]
    public var clipBytes: ClosedRange<Int> = 96 << 10 ... 192 << 10
    public var chunkBytes: ClosedRange<Int> = 16 << 10 ... 48 << 10
    /// Minutes of RecentClips the car keeps (one hour on older firmware).
    public var keepMinutes = 60
    /// A saved event moves this many minutes of RecentClips into its folder.
    public var eventMinutes = 10
    /// A Sentry trigger records this many minutes, then saves them.
    public var sentryMinutes = 3
    /// Mean minutes between Sentry triggers while parked with Sentry Mode on; between saved events while driving.
    public var sentryEvery = 50
    public var savedEvery = 40
    public var keepEvents = 12
    /// What the car does at each minute of the day (0..<1440); a weekday by default.
    public var schedule: @Sendable (Int) -> Activity = CarDay.weekday(minuteOfDay:)
    /// Seconds since 1970 of minute 0.
    public let start: Int64

    public private(set) var minute = 0
    /// Events saved so far.
    public private(set) var savedEvents = 0, sentryEvents = 0
    public private(set) var fs: SimulatedFileSystem
    private var rng: SplitMix64
    private let recent: UInt32, saved: UInt32, sentry: UInt32
    private var nextSeed: UInt64

    private struct Clip { var id: Int; var minute: Int; var name: String }
    private struct Event { var folder: UInt32; var files: [Int] }
    /// Still in RecentClips, oldest first.
    private var live: [Clip] = []
    private var events: [Event] = []
    /// Minutes of Sentry recording left, once triggered.
    private var sentryLeft = 0
    private var sentryStarted = 0

    public init(geometry: VolumeGeometry, volumeID: UInt32, formattedAt: Int64, start: Int64, seed: UInt64) {
        self.start = start
        rng = SplitMix64(seed: seed)
        nextSeed = seed &* 1_000_003
        fs = SimulatedFileSystem(geometry: geometry, volumeID: volumeID, formattedAt: formattedAt, seed: seed)
        // Like the car's Linux: its writes move around the whole volume over the days.
        fs.allocation = .nextFit
        _ = fs.drainRecords()  // the format: the engine formats its own volume
        recent = fs.makeDirectory("RecentClips", in: SimulatedFileSystem.teslaCamCluster)
        saved = fs.makeDirectory("SavedClips", in: SimulatedFileSystem.teslaCamCluster)
        sentry = fs.makeDirectory("SentryClips", in: SimulatedFileSystem.teslaCamCluster)
        fs.flush()
    }

    /// A weekday: asleep at night, a commute each way, Sentry Mode at work, errands in the evening.
    public static func weekday(minuteOfDay m: Int) -> Activity {
        switch m / 60 {
        case 7, 17, 19: .driving
        case 8..<17, 18: .sentry
        default: .asleep
        }
    }

    /// Minute of the day (UTC) the car is at: the schedule follows the clock, whenever the soak starts.
    public var minuteOfDay: Int { Int(((start / 60 + Int64(minute)) % 1440 + 1440) % 1440) }
    public var activity: Activity { schedule(minuteOfDay) }

    /// Files the car has on its volume now (clips in RecentClips and in events, events' json and thumbnails).
    public var liveFiles: Int { live.count + events.reduce(0) { $0 + $1.files.count } }

    public mutating func drainRecords() -> [TraceRecord] { fs.drainRecords() }

    /// Plays the current minute, then moves on to the next.
    public mutating func advance() {
        defer { minute += 1 }
        switch activity {
        case .driving:
            sentryLeft = 0
            record()
            if chance(every: savedEvery) {
                saveEvent(in: saved, minutes: eventMinutes, reason: "user_interaction_dashcam_icon_tapped")
                savedEvents += 1
            }
        case .sentry:
            if sentryLeft == 0, chance(every: sentryEvery) {
                sentryLeft = sentryMinutes
                sentryStarted = minute
            }
            guard sentryLeft > 0 else { return }
            record()
            sentryLeft -= 1
            if sentryLeft == 0 {
                saveEvent(in: sentry, minutes: minute - sentryStarted + 1, reason: "sentry_aware_object_detection")
                sentryEvents += 1
            }
        case .asleep:
            return
        }
        pruneEvents()
        // The car's circular buffer: RecentClips older than what it keeps.
        for clip in live where clip.minute <= minute - keepMinutes { fs.delete(clip.id) }
        live.removeAll { $0.minute <= minute - keepMinutes }
        fs.flush()
    }

    private mutating func chance(every mean: Int) -> Bool { mean > 0 && rng.next() % UInt64(mean) == 0 }

    /// One clip per camera, growing in parallel in chunks, with writebacks and flushes as Linux does.
    private mutating func record() {
        let stamp = TeslaScenario.stamp(start + Int64(minute) * 60)
        var clips: [(clip: Clip, target: Int)] = cameras.map { camera in
            nextSeed &+= 1
            let name = "\(stamp)-\(camera).mp4"
            return (Clip(id: fs.createFile(name, in: recent, seed: nextSeed), minute: minute, name: name),
                    Int.random(in: clipBytes, using: &rng))
        }
        var round = 0
        while clips.contains(where: { fs.size(of: $0.clip.id) < UInt64($0.target) }) {
            for i in clips.indices {
                let remaining = clips[i].target - Int(fs.size(of: clips[i].clip.id))
                if remaining > 0 { fs.append(clips[i].clip.id, count: min(remaining, Int.random(in: chunkBytes, using: &rng))) }
            }
            round += 1
            if round % 4 == 0 { fs.flush() } else if round % 2 == 0 { fs.writeback(includingFAT2: rng.next() % 2 == 0) }
        }
        fs.flush()
        live += clips.map(\.clip)
    }

    /// Moves the last `minutes` of RecentClips into a new event folder with its event.json and thumb.png.
    private mutating func saveEvent(in parent: UInt32, minutes: Int, reason: String) {
        let at = start + Int64(minute) * 60
        let folder = fs.makeDirectory(TeslaScenario.stamp(at), in: parent)
        var files: [Int] = []
        for clip in live where clip.minute > minute - minutes {
            fs.move(clip.id, to: folder, name: clip.name)
            files.append(clip.id)
        }
        live.removeAll { $0.minute > minute - minutes }
        let json = Array(#"{"timestamp":"\#(TeslaScenario.isoStamp(at))","city":"Palo Alto","street":"Deer Creek Rd","est_lat":"37.3947","est_lon":"-122.1503","reason":"\#(reason)","camera":"0"}"#.utf8)
        let thumb = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        files.append(fs.createFile("event.json", in: folder, bytes: json))
        files.append(fs.createFile("thumb.png", in: folder, bytes: thumb))
        events.append(Event(folder: folder, files: files))
        fs.flush()
    }

    /// The oldest event folders beyond `keepEvents` go, files first, then the folder.
    private mutating func pruneEvents() {
        while events.count > keepEvents {
            let oldest = events.removeFirst()
            for file in oldest.files { fs.delete(file) }
            fs.removeDirectory(oldest.folder)
        }
    }
}
