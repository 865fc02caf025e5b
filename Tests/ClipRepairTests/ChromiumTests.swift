import ClipRepair
import Foundation
import MP4
import Testing

/// Debian's headless Chromium, driven by Playwright (PyPI) through scripts/fixtures/browser-play.py.
enum Chromium {
    static let script = Fixtures.repository.appendingPathComponent("scripts/fixtures/browser-play.py").path

    static let isAvailable: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        && ((try? FFmpeg.run("python3", ["-c", "import playwright.sync_api"]).status) == 0)

    struct Playback: Decodable {
        struct MediaError: Decodable {
            let code: Int
            let message: String
        }

        let clip: String
        let readyState: Int
        let error: MediaError?
        let playError: String?
        let duration: Double?
        let ended: Bool
        let endedAt: Double
        let chromium: String
    }

    static func play(_ directory: URL, _ clips: [String]) throws -> [String: Playback] {
        let result = try FFmpeg.run("python3", [script, directory.path] + clips)
        guard result.status == 0 else { throw FixtureError("browser-play.py: exit \(result.status): \(result.errors)") }
        var playbacks: [String: Playback] = [:]
        for line in result.output.split(separator: "\n") {
            let playback = try JSONDecoder().decode(Playback.self, from: Data(line.utf8))
            playbacks[playback.clip] = playback
        }
        return playbacks
    }
}

@Suite("Clips in headless Chromium", .serialized)
struct ChromiumTests {
    @Test("the transformed Tesla-style clip and a repaired clip play to the end in Chromium",
          .enabled(if: Chromium.isAvailable, "needs /usr/bin/chromium and Playwright for python3 (scripts/install-deps.sh)"))
    func plays() throws {
        let original = try Fixtures.bytes(Fixtures.front)
        let tesla = try TeslaStyle.clip(from: original)
        var transformed = tesla
        BrowserPlayable.apply(BrowserPlayable.patches(fileSize: UInt64(tesla.count), read: Fixtures.reader(tesla)),
                              to: &transformed, at: 0)
        #expect(transformed != tesla)
        let cut = Array(original[..<(original.count / 2)])
        let plan = try Fixtures.plan(cut, reference: try Fixtures.reference(Fixtures.nextFront))
        let repaired = Fixtures.materialise(plan, from: cut)

        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clips = ["tesla.mp4": tesla, "transformed.mp4": transformed, "repaired.mp4": repaired, "cut.mp4": cut]
        for (name, bytes) in clips { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        let playbacks = try Chromium.play(directory, ["tesla.mp4", "transformed.mp4", "repaired.mp4", "cut.mp4"])
        for name in ["transformed.mp4", "repaired.mp4"] {
            let playback = try #require(playbacks[name])
            #expect(playback.error == nil && playback.readyState >= 3, "\(name): \(playback)")
            #expect(playback.ended && playback.endedAt > 0.9 * (playback.duration ?? 0), "\(name): \(playback)")
        }
        let repairedPlayback = try #require(playbacks["repaired.mp4"])
        #expect(abs((repairedPlayback.duration ?? 0) - plan.duration) < 0.1)
        // What the browser makes of the untransformed clip and of the truncated one, for the record.
        for name in ["tesla.mp4", "cut.mp4"] {
            let playback = try #require(playbacks[name])
            print("chromium \(playback.chromium) \(name): readyState \(playback.readyState), "
                + "error \(playback.error.map { "\($0.code) \($0.message)" } ?? "none"), ended \(playback.ended)")
        }
        #expect(try #require(playbacks["cut.mp4"]).error != nil, "a clip without moov cannot play")
    }
}
