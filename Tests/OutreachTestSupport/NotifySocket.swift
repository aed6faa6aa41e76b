import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Unix datagram socket the test owns, standing in for systemd's `$NOTIFY_SOCKET`.
///
/// Bound to a path in a folder the test gives (``init(directory:)``) or to a name in the abstract
/// namespace (``init(abstractName:)``); ``address`` is the value to put in `NOTIFY_SOCKET`
/// (`/path/notify.sock` or `@name`).
///
/// A reader thread drains the socket as datagrams arrive: Linux queues only
/// `net.unix.max_dgram_qlen` (often 10) datagrams per socket, and a sender blocks once the queue
/// is full, so a test that reads late must never stall the daemon under test. Every datagram is
/// kept: ``receive(timeout:)`` hands them out in order, ``history`` returns all of them.
public final class NotifySocket: @unchecked Sendable {  // mutable state behind `condition`
    /// The value for `NOTIFY_SOCKET`.
    public let address: String
    /// The socket file of the path variant (removed on close), `nil` for an abstract name.
    public let path: String?

    private let fd: Int32
    private let condition = NSCondition()
    private var messages: [String] = []
    private var nextUnread = 0
    private var closing = false
    private let readerDone = DispatchSemaphore(value: 0)

    /// Binds `directory/name` (the folder must exist; the socket file is replaced if present).
    public convenience init(directory: String, name: String = "notify.sock") throws {
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        unlink(path)
        try self.init(bytes: Array(path.utf8), address: path, path: path)
    }

    /// Binds `@name` in the abstract namespace (default: a name unique to this process and call).
    public convenience init(abstractName: String? = nil) throws {
        let name = abstractName ?? "outreachd-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try self.init(bytes: [0] + Array(name.utf8), address: "@" + name, path: nil)
    }

    private init(bytes: [UInt8], address: String, path: String?) throws {
        self.address = address
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            Glibc.close(fd)
            throw SocketError("\(address): longer than sun_path (\(capacity - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { sunPath in
            for (i, b) in bytes.enumerated() { sunPath[i] = b }
        }
        // A path is NUL-terminated; an abstract name is exactly as long as the length says.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SocketError("bind \(address): \(reason)")
        }
        // A generous receive buffer, as systemd gives its own notify socket.
        var size: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let reader = Thread { [self] in readLoop() }
        reader.name = "NotifySocket \(address)"
        reader.start()
    }

    deinit { close() }

    /// Stops the reader, closes the socket and removes its file. Idempotent.
    public func close() {
        condition.lock()
        let already = closing
        closing = true
        condition.broadcast()
        condition.unlock()
        guard !already else { return }
        readerDone.wait()
        Glibc.close(fd)
        if let path { unlink(path) }
    }

    private func readLoop() {
        defer { readerDone.signal() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            condition.lock()
            let stop = closing
            condition.unlock()
            if stop { return }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 50)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return
            }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            condition.lock()
            messages.append(text)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next datagram not yet handed out, waiting up to `timeout` seconds; `nil` if none came.
    public func receive(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while nextUnread >= messages.count {
            if closing || !condition.wait(until: deadline) {
                if nextUnread < messages.count { break }
                return nil
            }
        }
        defer { nextUnread += 1 }
        return messages[nextUnread]
    }

    /// Reads datagrams until one satisfies `match`, for at most `timeout` seconds; returns it, or
    /// `nil` (the datagrams read on the way stay in ``history``).
    public func waitFor(timeout: TimeInterval, where match: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let message = receive(timeout: left) else { return nil }
            if match(message) { return message }
        }
    }

    /// Waits for a datagram containing `substring`.
    public func waitFor(containing substring: String, timeout: TimeInterval) -> String? {
        waitFor(timeout: timeout) { $0.contains(substring) }
    }

    /// Waits for a datagram with the assignment `line` (e.g. `READY=1`) as one of its lines: a
    /// datagram may carry several (`READY=1\nSTATUS=…`), and `RELOADING=1` must not pass for `READY=1`.
    public func waitFor(line: String, timeout: TimeInterval) -> String? {
        waitFor(timeout: timeout) { Self.lines($0).contains(line) }
    }

    /// Every datagram read from `for` seconds from now (the unread ones first).
    public func collect(for seconds: TimeInterval) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var out: [String] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let message = receive(timeout: left) else { return out }
            out.append(message)
        }
    }

    /// Every datagram received so far, in order.
    public var history: [String] {
        condition.lock()
        defer { condition.unlock() }
        return messages
    }

    /// The `NAME=value` assignments of one datagram.
    public static func lines(_ message: String) -> [String] {
        message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    public struct SocketError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
