import Testing
@testable import teslacam

@Suite struct RetentionTriggerTests {
    let trigger = RetentionTrigger(interval: .seconds(60), margin: 16 << 20)
    static let gib: UInt64 = 1 << 30

    @Test func theFirstPassAndEachIntervalAreDue() {
        #expect(trigger.isDue(sinceLastPass: nil, free: 10 * Self.gib, reserve: 0, freeAfterLastPass: .max))
        #expect(trigger.isDue(sinceLastPass: .seconds(60), free: 10 * Self.gib, reserve: Self.gib, freeAfterLastPass: 10 * Self.gib))
        #expect(!trigger.isDue(sinceLastPass: .seconds(59), free: 10 * Self.gib, reserve: Self.gib, freeAfterLastPass: 10 * Self.gib))
    }

    @Test func crossingUnderTheReserveIsDueAtOnce() {
        // The last pass left 1 GiB + 1 MiB free; the car wrote 2 MiB since.
        #expect(trigger.isDue(sinceLastPass: .seconds(5), free: Self.gib - (1 << 20), reserve: Self.gib,
                              freeAfterLastPass: Self.gib + (1 << 20)))
    }

    @Test func stayingUnderTheReserveIsDueAfterEachMargin() {
        let after = Self.gib / 2  // the last pass could not reach the 1 GiB reserve
        #expect(!trigger.isDue(sinceLastPass: .seconds(5), free: after - (8 << 20), reserve: Self.gib, freeAfterLastPass: after))
        #expect(trigger.isDue(sinceLastPass: .seconds(5), free: after - (17 << 20), reserve: Self.gib, freeAfterLastPass: after))
        // Free space that grew (the car deleted, or a pass elsewhere) is not a reason either.
        #expect(!trigger.isDue(sinceLastPass: .seconds(5), free: after + (100 << 20), reserve: Self.gib, freeAfterLastPass: after))
    }

    @Test func withoutTheFileSystemOnlyTheIntervalCounts() {
        #expect(!trigger.isDue(sinceLastPass: .seconds(5), free: nil, reserve: Self.gib, freeAfterLastPass: 0))
        #expect(trigger.isDue(sinceLastPass: .seconds(61), free: nil, reserve: Self.gib, freeAfterLastPass: 0))
    }
}
