import Foundation

/// What one run of the binary did.
public struct CLIResult: CustomStringConvertible, Sendable {
    public init(status: Int32, stdout: String, stderr: String, crashed: Bool) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.crashed = crashed
    }

    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Killed by a signal (a crash, or the timeout).
    public var crashed: Bool

    public var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    public var description: String { "exit \(status)\(crashed ? " (signal)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// No Swift runtime trap or backtrace reached the user.
    public var hasNoStackTrace: Bool {
        !crashed && ["Fatal error", "Stack dump", "Current stack trace", "Backtrace", "Program crashed", "💣"].allSatisfy { !stderr.contains($0) && !stdout.contains($0) }
    }
}

/// Runs `executable arguments` to completion, at most `timeout` seconds (then terminates it), with
/// output captured through files rather than pipes so a chatty child cannot block on a full pipe.
///
/// - Returns: the result, and whether the timeout ended it (callers record that as a test issue).
public func runProcess(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String],
                       timeout: TimeInterval) throws -> (result: CLIResult, timedOut: Bool) {
    let scratch = TemporaryFolder()
    let outPath = scratch.write("stdout", ""), errPath = scratch.write("stderr", "")
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    defer { try? out.close(); try? err.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    var timedOut = false
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        process.terminate()
        // A child that ignores SIGTERM (or spins in a crash handler) is killed after a grace period.
        if finished.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
    }
    let result = CLIResult(status: process.terminationStatus,
                           stdout: String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self),
                           stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self),
                           crashed: process.terminationReason == .uncaughtSignal)
    return (result, timedOut)
}
