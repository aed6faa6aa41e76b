import Benchmark
import RenderFixtures

// Messages per second on one core: each rule's shipped template in four languages, the occurrence
// prepared before timing. One iteration renders 1,000 messages (scalingFactor .kilo), so the
// clock's own cost stays out of a message that takes a microsecond. bench.py compares the
// figures with chevron rendering the same templates and values.
let benchmarks: @Sendable () -> Void = {
    let fixtures: RenderFixtures
    do { fixtures = try RenderFixtures() } catch { fatalError("cannot load the rendering fixtures: \(error)") }
    let adapter = RenderAdapter(fixtures)
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds,
                                           warmupIterations: 3, scalingFactor: .kilo, maxDuration: .seconds(1), maxIterations: 100_000)
    // Per language: its five templates in turn (1,000 is a multiple of 5, so each gets 200).
    for language in RenderFixtures.languages {
        let prepared = fixtures.cases(language: language).map(adapter.prepare)
        Benchmark("render \(language)", configuration: .init(maxDuration: .seconds(2))) { benchmark in
            for i in benchmark.scaledIterations { blackHole(try adapter.render(prepared[i % prepared.count])) }
        }
    }
    for renderCase in fixtures.cases {
        let prepared = adapter.prepare(renderCase)
        Benchmark("render \(renderCase.name)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try adapter.render(prepared)) }
        }
    }
}
