import MP4

/// What a car path says about a file: camera and time from the clip name, event folder from the directory.
struct ClipPath {
    var camera: String?
    var clipTime: Int64?
    var event: String?
    var eventKind: EventKind
    var isClipName: Bool

    init(carPath: String) {
        let parts = carPath.split(separator: "/").map(String.init)
        let name = parts.last ?? ""
        let clip = TeslaClipName(name)
        camera = clip?.camera
        clipTime = clip?.secondsSince1970
        isClipName = name.lowercased().hasSuffix(".mp4")
        event = nil
        eventKind = .other
        if parts.count >= 3, parts[0] == "TeslaCam" {
            switch parts[1] {
            case "RecentClips": eventKind = .recent
            case "SavedClips": eventKind = .saved
            case "SentryClips": eventKind = .sentry
            default: eventKind = .other
            }
            if (eventKind == .saved || eventKind == .sentry), parts.count >= 4 { event = "\(parts[1])/\(parts[2])" }
        } else if parts.first == "TeslaTrackMode" {
            eventKind = .track
        }
    }
}
