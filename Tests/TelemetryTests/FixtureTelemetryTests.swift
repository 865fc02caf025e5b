import Foundation
import Testing
import Telemetry

/// Telemetry decoded from the generated clips equals what the generator put in, frame for frame.
@Suite struct FixtureTelemetryTests {
    @Test(arguments: ClipFixtures.withTelemetry)
    func decodedEqualsGenerated(_ clip: String) throws {
        let telemetry = try ClipFixtures.telemetry(clip)
        let expected = try ClipFixtures.expected(clip)
        #expect(telemetry.frames.count == expected.count)
        #expect(telemetry.videoFrames == expected.count)
        #expect(telemetry.timescale == 90_000)
        #expect(telemetry.undecodable == 0 && telemetry.oversized == 0 && !telemetry.frameLimitReached)
        let bySample = Dictionary(uniqueKeysWithValues: telemetry.frames.map { ($0.sample, $0) })
        var mismatches = 0
        for row in expected {
            guard let frame = bySample[row.sample] else {
                Issue.record("sample \(row.sample) has no telemetry")
                mismatches += 1
                continue
            }
            if frame.state != row.state || frame.presentationTicks != row.ticks {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("sample \(row.sample): decoded \(frame.presentationTicks) \(frame.state), generated \(row.ticks) \(row.state)")
                }
            }
            #expect(frame.time == Double(row.ticks) / 90_000)
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: ClipFixtures.withTelemetry)
    func framesAreInDisplayOrderWithIncreasingSequence(_ clip: String) throws {
        let frames = try ClipFixtures.telemetry(clip).frames
        #expect(frames.first?.presentationTicks == 0)
        // B-frames: decode order differs from display order, and display order is the car's own frame order.
        #expect(frames.map(\.sample) != frames.map(\.sample).sorted())
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.presentationTicks < $1.presentationTicks })
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.state.frameSequence + 1 == $1.state.frameSequence })
        // Frame times vary (as the car's do) and come from the file, not from an assumed 36 fps.
        let gaps = Set(zip(frames, frames.dropFirst()).map { $1.presentationTicks - $0.presentationTicks })
        #expect(gaps.count > 1)
    }

    @Test(arguments: ClipFixtures.sentryEvent)
    func parkedClipsHaveNone(_ clip: String) throws {
        let telemetry = try ClipFixtures.telemetry(clip)
        #expect(telemetry.frames.isEmpty)
        #expect(telemetry.videoFrames == 144)
        #expect(telemetry.absence?.contains("no SEI telemetry in its 144 video frames") == true)
    }
}
