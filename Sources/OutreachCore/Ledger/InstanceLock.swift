import Foundation

/// An exclusive lock on a SQLite ledger for the life of one `run`.
///
/// A run requeues the rows a crashed run left `sending`; a second run alongside a live one would
/// requeue (and resend) messages still in flight. `flock` is released by the kernel when the
/// process ends, however it ends, so a crash never leaves the lock behind.
public final class InstanceLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock on `statePath + ".lock"`, or fails at once if another process holds it.
    public init(statePath: String) throws {
        path = statePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.unsupported(path, "cannot open the lock file: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another outreachd run is using this state database" : String(cString: strerror(errno))
            close(fd)
            throw StoreError.unsupported(statePath, "\(reason) (lock \(path))")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
