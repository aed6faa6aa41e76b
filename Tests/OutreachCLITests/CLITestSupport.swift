import Foundation
import OutreachTestSupport
import Testing

/// Where the package and the built binary are: this file is Tests/OutreachCLITests/CLITestSupport.swift.
enum CLI {
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// `swift build --build-tests` (what `make test` runs first) builds it.
    static let binary = DaemonProcess.binary
    static let templates = packageRoot + "/templates"
    /// Long enough for a debug build on a slow machine; a hung command fails the test instead of the run.
    static let timeout: TimeInterval = 60
}

/// Runs the built `outreachd` with `arguments`, capturing stdout, stderr and the exit status.
///
/// Output goes to files, not pipes, so a chatty command cannot block on a full pipe.
/// `OUTREACHD_CONFIG` is removed from the environment unless given in `environment`.
///
/// `launcher` runs the binary through another program (e.g. `setpriv` to drop root).
func outreachd(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:],
               launcher: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
    guard FileManager.default.isExecutableFile(atPath: CLI.binary) else {
        Issue.record("\(CLI.binary) is not built; run `swift build --build-tests` first", sourceLocation: sourceLocation)
        return CLIResult(status: -1, stdout: "", stderr: "", crashed: true)
    }
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "OUTREACHD_CONFIG")
    environment.merge(extra) { _, new in new }
    let scratch = TemporaryFolder()
    let run = try runProcess(launcher.first ?? CLI.binary, launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [CLI.binary] + arguments,
                             in: directory ?? scratch.path, environment: environment, timeout: CLI.timeout)
    if run.timedOut {
        Issue.record("outreachd \(arguments.joined(separator: " ")) did not finish within \(Int(CLI.timeout))s", sourceLocation: sourceLocation)
    }
    return run.result
}


/// A demo folder written by the binary itself (`init --demo`), its dates placed around `CLIDemo.now`.
struct CLIDemo {
    /// The instant the demo is seeded for and previewed at: a fixed time, so tests do not depend on the clock.
    static let now = "2026-11-23T10:00:00Z"
    static let rules = ["birthday", "ticket_follow_up", "satisfaction", "check_in", "we_miss_you"]

    let folder = TemporaryFolder()
    var dir: String { folder.file("demo") }
    var config: String { dir + "/outreachd.toml" }

    init(at now: String = CLIDemo.now, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try outreachd(["init", "--demo", "--dir", folder.file("demo"), "--at", now, "--templates", CLI.templates],
                                   in: folder.path, sourceLocation: sourceLocation)
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
    }

    /// Runs a subcommand against this demo's config: `run("preview", "--at", …)`.
    func run(_ command: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        try outreachd([command, "--config", config] + arguments, in: folder.path, sourceLocation: sourceLocation)
    }
}

/// Parses one line of `jsonl` output into an object, recording an issue when it is not one.
func jsonObject(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
    guard let data = line.data(using: .utf8),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        Issue.record("not a JSON object: \(line)", sourceLocation: sourceLocation)
        return nil
    }
    return object
}
