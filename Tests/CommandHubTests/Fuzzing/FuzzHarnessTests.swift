import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import HubFuzzTargets
import Foundation
import Testing

/// The fuzz targets inside the ordinary test suite, so CI exercises them without a sanitizer
/// build: every committed seed and crash input replayed, then seeded mutations of the seeds,
/// bounded by an iteration count and a time budget per target. A violation fails the test with
/// the input attached (base64); a crash in the hub's code crashes the run, loudly.
@Suite("Fuzz harness")
struct FuzzHarnessTests {
    /// Mutated inputs per target, and the time a target may take at most (whichever ends first).
    static let iterations = 40_000
    static let budget = Duration.seconds(6)

    @Test("every target has a seed corpus", arguments: FuzzTarget.allCases)
    func everyTargetHasSeeds(target: FuzzTarget) {
        #expect(FuzzCorpus.seeds(of: target).count >= 3, "Fuzz/corpus/\(target.rawValue)/ needs seeds: run Scripts/fuzz-seeds.py")
    }

    @Test("committed seeds and crash regressions keep every invariant", arguments: FuzzTarget.allCases)
    func committedInputsKeepInvariants(target: FuzzTarget) {
        for input in FuzzCorpus.seeds(of: target) + FuzzCorpus.crashes(of: target) {
            Self.expectInvariants(target, input.bytes, from: input.name)
        }
    }

    @Test("seeded mutations of the corpus keep every invariant", .timeLimit(.minutes(1)), arguments: FuzzTarget.allCases)
    func mutationsKeepInvariants(target: FuzzTarget) {
        let seeds = FuzzCorpus.seeds(of: target).map(\.bytes)
        guard !seeds.isEmpty else { return }
        // One fixed seed per target: the same inputs on every run, independent of test order.
        var mutator = FuzzMutator(seed: UInt64(truncatingIfNeeded: target.rawValue.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var previous = seeds[0]
        let clock = ContinuousClock()
        let deadline = clock.now + Self.budget
        var count = 0
        while count < Self.iterations, clock.now < deadline {
            // Mostly fresh mutations of a seed; sometimes a mutation of the last mutant, to go deeper.
            let base = mutator.below(4) == 0 ? previous : seeds[mutator.below(seeds.count)]
            let input = mutator.mutate(base, donor: seeds[mutator.below(seeds.count)])
            guard Self.expectInvariants(target, input, from: "mutation \(count)") else { return }
            previous = input
            count += 1
        }
        #expect(count >= min(Self.iterations, 200), "only \(count) inputs within \(Self.budget)")
    }

    @Test func mutationIsDeterministic() {
        var first = FuzzMutator(seed: 42)
        var second = FuzzMutator(seed: 42)
        let input = Array("{\"asset\": \"BTC\", \"quantity\": \"0.25\"}".utf8)
        for _ in 0..<100 {
            #expect(first.mutate(input, donor: input) == second.mutate(input, donor: input))
        }
    }

    /// Records a failure naming the input when `target` finds a violation; returns whether none.
    @discardableResult
    static func expectInvariants(_ target: FuzzTarget, _ bytes: [UInt8], from source: String) -> Bool {
        do {
            try target.check(bytes)
            return true
        } catch {
            Issue.record(
                """
                \(target.rawValue), \(source): \(error)
                input (base64): \(Data(bytes).base64EncodedString())
                """
            )
            return false
        }
    }
}
