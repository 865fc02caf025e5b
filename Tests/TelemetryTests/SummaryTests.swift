import Testing
import Telemetry

/// Summaries and tracks of the generated drive match the generator's route.
@Suite struct SummaryTests {
    @Test func twoMinutesOfDrivingMatchTheRoute() throws {
        let route = try ClipFixtures.route()
        let summaries = try ClipFixtures.drive.map { TelemetrySummary(frames: try ClipFixtures.telemetry($0).frames) }
        let distance = summaries.map(\.distance).reduce(0, +)
        #expect(abs(distance - route.distance_m) / route.distance_m < 0.01, "distance \(distance) m vs \(route.distance_m) m")
        // Frame-duration resolution (~28 ms per frame) against the generator's 1 ms integration.
        let moving = summaries.map(\.movingSeconds).reduce(0, +)
        #expect(abs(moving - route.moving_s) < 0.2, "moving \(moving) s vs \(route.moving_s) s")
        let autopilot = summaries.map(\.autopilotSeconds).reduce(0, +)
        #expect(abs(autopilot - route.autopilot_s) < 0.2, "autopilot \(autopilot) s vs \(route.autopilot_s) s")
        #expect(summaries.map(\.maxSpeed).max() == route.max_speed_mps)
        let start = try #require(summaries.first?.start), end = try #require(summaries.last?.end)
        #expect(start.distance(to: GeoPoint(latitude: route.start[0], longitude: route.start[1])!) < 0.01)
        #expect(end.distance(to: GeoPoint(latitude: route.end[0], longitude: route.end[1])!) < 1)
        let seconds = summaries.map(\.seconds).reduce(0, +)
        let mean = summaries.map { $0.meanSpeed * $0.seconds }.reduce(0, +) / seconds
        #expect(abs(mean * seconds - distance) / distance < 0.01, "mean speed × time is the distance")
        #expect(abs(seconds - 120) < 0.1)
    }

    @Test func parkedClipSummaryIsEmpty() throws {
        let summary = TelemetrySummary(frames: try ClipFixtures.telemetry(ClipFixtures.sentryEvent[0]).frames)
        #expect(summary.frames == 0 && summary.distance == 0 && summary.autopilotShare == 0 && summary.start == nil)
    }

    @Test func noFixAndBadFixesAddNoDistance() {
        func frame(_ index: Int, _ latitude: Double, _ longitude: Double) -> TelemetryFrame {
            var state = VehicleState()
            state.latitude = latitude
            state.longitude = longitude
            state.speed = 10
            return TelemetryFrame(sample: index, presentationTicks: Int64(index) * 100, durationTicks: 100,
                                  timescale: 1000, state: state)
        }
        // (0, 0) is "no fix yet"; a 1-degree jump in 0.1 s is a bad fix.
        let frames = [frame(0, 0, 0), frame(1, 50, 8), frame(2, 50.00001, 8), frame(3, 51, 8), frame(4, .nan, 8),
                      frame(5, 50.00002, 8)]
        let summary = TelemetrySummary(frames: frames)
        #expect(summary.start == GeoPoint(latitude: 50, longitude: 8))
        #expect(abs(summary.distance - 2 * 1.112) < 0.01, "\(summary.distance)")
        #expect(abs(summary.seconds - 0.6) < 1e-9 && summary.movingSeconds == summary.seconds)
    }

    @Test(arguments: ClipFixtures.withTelemetry)
    func trackKeepsAPointEverySecondAndEveryChange(_ clip: String) throws {
        let frames = try ClipFixtures.telemetry(clip).frames
        let track = TelemetryTrack(frames: frames)
        #expect(track.points.first?.time == frames.first?.time && track.points.last?.time == frames.last?.time)
        #expect(zip(track.points, track.points.dropFirst()).allSatisfy { $1.time - $0.time <= 1.0 + 0.05 })
        #expect(track.points.count < frames.count / 20)
        let changes = zip(frames, frames.dropFirst()).filter {
            $0.state.gear != $1.state.gear || $0.state.autopilot != $1.state.autopilot
        }
        for change in changes {
            #expect(track.points.contains { $0.time == change.1.time }, "change at \(change.1.time) s kept")
        }
    }
}
