import Foundation
import Testing

/// Where the package and the built binary are: this file is Tests/OutreachCLITests/CLITestSupport.swift.
enum CLI {
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// `swift build --build-tests` (what `make test` runs first) builds it.
    static let binary = packageRoot + "/.build/debug/outreachd"
    static let templates = packageRoot + "/templates"
    /// Long enough for a debug build on a slow machine; a hung command fails the test instead of the run.
    static let timeout: TimeInterval = 60
}

/// What one run of the binary did.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Killed by a signal (a crash, or the timeout).
    var crashed: Bool

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String { "exit \(status)\(crashed ? " (signal)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// No Swift runtime trap or backtrace reached the user.
    var hasNoStackTrace: Bool {
        !crashed && ["Fatal error", "Stack dump", "Current stack trace", "Backtrace", "Program crashed", "💣"].allSatisfy { !stderr.contains($0) && !stdout.contains($0) }
    }
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
    let scratch = CLITemporaryFolder()
    let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    defer { try? out.close(); try? err.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: launcher.first ?? CLI.binary)
    process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [CLI.binary] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory ?? scratch.path)
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "OUTREACHD_CONFIG")
    environment.merge(extra) { _, new in new }
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err

    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    if finished.wait(timeout: .now() + CLI.timeout) == .timedOut {
        process.terminate()
        finished.wait()
        Issue.record("outreachd \(arguments.joined(separator: " ")) did not finish within \(Int(CLI.timeout))s", sourceLocation: sourceLocation)
    }
    let stdout = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
    return CLIResult(status: process.terminationStatus, stdout: stdout, stderr: stderr,
                     crashed: process.terminationReason == .uncaughtSignal)
}

/// A temporary folder, removed when released.
final class CLITemporaryFolder: @unchecked Sendable {  // immutable after init
    let path: String

    init() {
        let template = NSTemporaryDirectory() + "outreachd-cli-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { fatalError("mkdtemp failed") }
        path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try? FileManager.default.createDirectory(atPath: URL(fileURLWithPath: p).deletingLastPathComponent().path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    /// Every file under the folder with its bytes, to prove a command wrote nothing.
    func snapshot() -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return files }
        while let relative = walker.nextObject() as? String {
            let full = file(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
            files[relative + (isDirectory.boolValue ? "/" : "")] = isDirectory.boolValue ? Data() : FileManager.default.contents(atPath: full) ?? Data()
        }
        return files
    }
}

/// A demo folder written by the binary itself (`init --demo`), its dates placed around `CLIDemo.now`.
struct CLIDemo {
    /// The instant the demo is seeded for and previewed at: a fixed time, so tests do not depend on the clock.
    static let now = "2026-11-23T10:00:00Z"
    static let rules = ["birthday", "ticket_follow_up", "satisfaction", "check_in", "we_miss_you"]

    let folder = CLITemporaryFolder()
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
