import Catalog
import Foundation
import Testing
@testable import Web

/// Where a growing clip borrows its codec settings from: any finished clip of its camera, whatever its day; and
/// when the board has none, a sentence saying what the owner waits for.
@Suite("Live reference") struct LiveReferenceTests {
    @Test func aFinishedClipOfAnotherDayLendsItsSettings() throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        let live = LiveMovies(catalog: fixture.catalog, clips: ArchiveClipStore(root: fixture.archive), clock: { 0 })
        var growing = try #require(try fixture.catalog.clips().first { $0.path.hasSuffix("08-01-00-front.mp4") })
        // Ten days after every fixture clip, in no event: nothing within the six hours around it.
        growing.id = 9_999
        growing.state = .growing
        growing.event = nil
        growing.clipTime = (growing.clipTime ?? 0) + 10 * 86_400
        #expect(try fixture.catalog.recentClips(in: (growing.clipTime! - 6 * 3600)...(growing.clipTime! + 3600)).isEmpty)
        let reference = try live.reference(for: growing)
        #expect(reference.timescale > 0)

        growing.camera = "cabin"
        do {
            _ = try live.reference(for: growing)
            Issue.record("a camera with no finished clip has no reference")
        } catch {
            #expect(error.status == .conflict)
            #expect(error.message.hasPrefix("Waiting for the car to finish its first clip of the cabin camera"))
            #expect(error.message.contains("Live playback starts when this minute ends."))
        }
    }
}
