import Foundation

/// Talks to systemd through `$NOTIFY_SOCKET` (`READY=1`, `WATCHDOG=1`, `STATUS=…`), without libsystemd.
///
/// The protocol is one datagram per message to a Unix socket, named by a path or, with a leading
/// `@`, in the abstract namespace. Without `$NOTIFY_SOCKET` (not under systemd) every call is a no-op.
public final class SystemdNotifier: Sendable {
    private let address: [UInt8]?
    /// Half of `$WATCHDOG_USEC`: how often the watchdog wants a ping; `nil` when systemd set none.
    public let watchdogInterval: TimeInterval?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty, socket.hasPrefix("/") || socket.hasPrefix("@") {
            var bytes = Array(socket.utf8)
            if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
            address = bytes
        } else {
            address = nil
        }
        // Whole microseconds, as systemd writes them; capped at a day, so that a hand-set huge value
        // (or `inf`) cannot overflow the timer's milliseconds.
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = Double(min(usec, 86_400_000_000)) / 2_000_000
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `state` (e.g. `"READY=1\nSTATUS=…"`); returns whether the datagram went out.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard address.count < capacity else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { path in
            for (i, b) in address.enumerated() { path[i] = b }
        }
        // Abstract names are not NUL-terminated: the length says where they end.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count + (address.first == 0 ? 0 : 1))
        let data = Array(state.utf8)
        let sent = withUnsafePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                data.withUnsafeBytes { sendto(fd, $0.baseAddress, data.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
        return sent == data.count
    }
}
