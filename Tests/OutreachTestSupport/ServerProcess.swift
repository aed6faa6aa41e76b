import Foundation

/// A test server (one of `Tests/Fixtures/*.py`) running as a child process on 127.0.0.1.
///
/// It prints `PORT n` when listening on an ephemeral port; it stops when ``stop()`` closes its
/// stdin (or on deinit), so no server outlives its test.
public final class ServerProcess: @unchecked Sendable {  // mutated only by the owning test
    public let port: Int
    /// The folder the server records what it received in.
    public let spool: String
    private let process: Process
    private let stdin: Pipe
    private var stopped = false

    /// The repository root, found from this file's path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The Python of the test environment (`make test-deps` creates it).
    public static var python: String {
        ProcessInfo.processInfo.environment["OUTREACHD_TEST_PYTHON"] ?? root + "/.build-venv/bin/python"
    }

    /// Starts `Tests/Fixtures/<script>` with `arguments` (plus `--spool`), waiting up to 20 s for its port.
    public init(script: String, spool: String, arguments: [String] = []) throws {
        self.spool = spool
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-u", Self.root + "/Tests/Fixtures/" + script, "--spool", spool] + arguments
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null") ?? FileHandle.standardError
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil, Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) { port = Int(line.dropFirst(5)) }
        }
        guard let port else {
            process.terminate()
            throw ServerError("\(script) did not report a port (is \(Self.python) installed with aiosmtpd? run `make test-deps`)")
        }
        self.port = port
    }

    /// Stops the server and waits for it to exit.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    deinit { stop() }

    /// How many messages the SMTP fixture has written to its spool (`N.eml`).
    public var receivedCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".eml") }.count
    }

    public struct ServerError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
