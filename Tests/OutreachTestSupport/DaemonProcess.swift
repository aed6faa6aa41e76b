import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built `outreachd` running as a long-lived child of the test (`outreachd run …`).
///
/// stdout and stderr go to files (never pipes, which a chatty child could fill and block on);
/// ``stderr`` reads what was written so far. The environment is the test's own minus everything
/// systemd or the operator might have set (`NOTIFY_SOCKET`, `WATCHDOG_*`, `JOURNAL_STREAM`,
/// `OUTREACHD_CONFIG`…), plus what the test gives. On deinit a child still running gets SIGTERM,
/// then SIGKILL, so none outlives its test.
public final class DaemonProcess: @unchecked Sendable {  // `process` is thread-safe; the rest is immutable
    /// `.build/debug/outreachd`, built by `swift build --build-tests`.
    /// The built binary: `OUTREACHD_BIN` when set (`make sanitize` points it at a sanitized build), else the debug build.
    public static let binary = ProcessInfo.processInfo.environment["OUTREACHD_BIN"] ?? ServerProcess.root + "/.build/debug/outreachd"
    /// Variables the child must not inherit from whatever runs the tests.
    public static let scrubbed = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "OUTREACHD_CONFIG",
                                  "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "INVOCATION_ID", "CREDENTIALS_DIRECTORY"]

    public let arguments: [String]
    public let stdoutPath: String
    public let stderrPath: String
    private let process = Process()
    private let scratch: String
    private let ownsScratch: Bool

    /// Starts `binary arguments` in `directory` with `environment` added to the scrubbed one.
    ///
    /// - Parameters:
    ///   - logDirectory: where stdout/stderr files go (a fresh temporary folder, removed on deinit, if nil).
    ///   - launcher: a program (and its arguments) the binary runs under, e.g. `setpriv --reuid=65534 …`.
    public init(arguments: [String], directory: String, environment extra: [String: String] = [:],
                binary: String = DaemonProcess.binary, launcher: [String] = [], logDirectory: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw DaemonError("\(binary) is not built; run `swift build --build-tests` first")
        }
        self.arguments = arguments
        if let logDirectory {
            scratch = logDirectory
            ownsScratch = false
        } else {
            var template = Array((NSTemporaryDirectory() + "outreachd-daemon-XXXXXX").utf8CString)
            guard mkdtemp(&template) != nil else { throw DaemonError("mkdtemp: \(String(cString: strerror(errno)))") }
            scratch = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            ownsScratch = true
        }
        let tag = UUID().uuidString.prefix(8)
        stdoutPath = scratch + "/daemon-\(tag).stdout"
        stderrPath = scratch + "/daemon-\(tag).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? out.close(); try? err.close() }

        process.executableURL = URL(fileURLWithPath: launcher.first ?? binary)
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for name in Self.scrubbed { environment.removeValue(forKey: name) }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    deinit {
        stop()
        if ownsScratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `sig` (SIGHUP, SIGTERM, SIGINT…) with kill(2); false if the child is gone.
    @discardableResult
    public func signal(_ sig: Int32) -> Bool {
        guard process.isRunning else { return false }
        return kill(process.processIdentifier, sig) == 0
    }

    /// Waits up to `timeout` seconds for the child to end; returns its exit status (128 + N when
    /// killed by signal N), or `nil` if it is still running.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        return exitStatus
    }

    /// The exit status of an ended child (128 + N when killed by signal N), `nil` while it runs.
    public var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Whether it was ended by a signal it did not handle (a crash, or our SIGKILL).
    public var crashed: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    /// SIGTERM, up to `grace` seconds, then SIGKILL; waits for the child to be gone. Idempotent.
    public func stop(grace: TimeInterval = 3) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(timeout: grace) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    /// What the child wrote to stderr so far.
    public var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }
    /// What the child wrote to stdout so far.
    public var stdout: String { String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self) }
    /// What the child wrote to stderr from byte `offset` on (see ``stderrLength``).
    public func stderr(from offset: Int) -> String {
        String(decoding: (FileManager.default.contents(atPath: stderrPath) ?? Data()).dropFirst(offset), as: UTF8.self)
    }
    /// stderr's lines so far.
    public var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Waits up to `timeout` seconds until stderr, from byte `offset` on, contains `substring`.
    /// Returns false at once if the child ended without writing it.
    public func waitForStderr(containing substring: String, after offset: Int = 0, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let running = process.isRunning
            let data = FileManager.default.contents(atPath: stderrPath) ?? Data()
            if data.count > offset, String(decoding: data.dropFirst(offset), as: UTF8.self).contains(substring) { return true }
            if !running || Date() >= deadline { return false }
            usleep(20_000)
        }
    }

    /// The byte length of stderr so far (an `offset` for ``waitForStderr(containing:after:timeout:)``).
    public var stderrLength: Int {
        ((try? FileManager.default.attributesOfItem(atPath: stderrPath))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// How many stderr lines contain `substring`.
    public func countStderrLines(containing substring: String) -> Int {
        stderrLines.filter { $0.contains(substring) }.count
    }

    public struct DaemonError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
