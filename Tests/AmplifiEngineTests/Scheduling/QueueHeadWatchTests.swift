import Testing

@testable import AmplifiEngine

/// The observed age of queued chunk jobs: how long each organization's head job stayed the same.
@Suite struct QueueHeadWatchTests {
    @Test func anUnchangedHeadAgesAndANewHeadStartsAtZero() {
        let watch = QueueHeadWatch()
        let start = ContinuousClock.now
        #expect(watch.oldestAge([:], now: start) == .zero)
        #expect(watch.oldestAge(["a": "c1:0:0", "b": "c2:0:0"], now: start) == .zero)
        // a's head is still waiting; b's was taken and its next job is now the head.
        #expect(watch.oldestAge(["a": "c1:0:0", "b": "c2:1:0"], now: start + .seconds(10)) == .seconds(10))
        #expect(watch.oldestAge(["a": "c1:1:0", "b": "c2:1:0"], now: start + .seconds(25)) == .seconds(15))
        // An organization whose queue emptied is forgotten; coming back it starts again.
        #expect(watch.oldestAge(["a": "c1:1:0"], now: start + .seconds(30)) == .seconds(5))
        #expect(watch.oldestAge(["a": "c1:1:0", "b": "c2:1:0"], now: start + .seconds(40)) == .seconds(15))
    }
}
