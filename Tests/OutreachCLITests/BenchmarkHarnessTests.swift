import Foundation
import OutreachTestSupport
import Testing

/// `make bench`'s harness (Benchmarks/bench.py), run small so that it cannot rot unnoticed: a store of
/// 2,000 customers from `synthesize`, one cold-tick run and one fixed-due run. No figure is judged.
@Suite struct BenchmarkHarnessTests {
    @Test func testSmokeRunMeasuresAColdTickAndAFixedDueTick() throws {
        let scratch = TemporaryFolder()
        let run = try runProcess("/usr/bin/env", ["python3", CLI.packageRoot + "/Benchmarks/bench.py", "--smoke", "--bin", CLI.binary,
                                                  "--work", scratch.path],
                                 in: scratch.path, environment: ProcessInfo.processInfo.environment, timeout: 120)
        #expect(!run.timedOut, "\(run.result)")
        #expect(run.result.status == 0, "\(run.result)")
        #expect(run.result.stdout.contains("cold tick, 2k customers (") && run.result.stdout.contains("due): time"), "\(run.result)")
        #expect(run.result.stdout.contains("tick with 50 due, 2k customers"), "\(run.result)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("RESULTS-smoke.md")), "\(run.result)")
    }
}
