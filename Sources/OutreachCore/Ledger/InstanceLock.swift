import Foundation

/// An exclusive lock on a SQLite ledger for the life of one delivering process.
///
/// A run requeues the rows a crashed run left `sending`; a second run alongside a live one would
/// requeue (and resend) messages still in flight. `flock` is released by the kernel when the
/// process ends, however it ends, so a crash never leaves the lock behind. Within one process the
/// lock is shared (counted): it keeps other processes out, not this one's own second handle.
final class InstanceLock: Sendable {
    let path: String

    /// Locks held by this process: file path → descriptor and how many handles share it.
    private static let held = Locked<[String: (fd: Int32, count: Int)]>([:])

    /// Takes the lock on `statePath + ".lock"`, or fails at once if another process holds it.
    init(statePath: String) throws {
        let path = statePath + ".lock"
        self.path = path
        try Self.held.withLock { held throws in
            if let entry = held[path] {
                held[path] = (entry.fd, entry.count + 1)
                return
            }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let code = errno
                let folder = Paths.folder(of: path)
                let reason = code == EACCES || code == EROFS
                    ? "the folder \(folder) is read-only for user \(ProcessInfo.processInfo.userName), and outreachd keeps its lock file (and the -wal and -shm files) there; fix its ownership or permissions"
                    : "cannot open the lock file \(path): \(String(cString: strerror(code)))"
                throw LedgerError.locked(statePath, reason)
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let reason = errno == EWOULDBLOCK ? "another outreachd run is using this state database" : String(cString: strerror(errno))
                close(fd)
                throw LedgerError.locked(statePath, "\(reason) (lock \(path))")
            }
            held[path] = (fd, 1)
        }
    }

    deinit {
        Self.held.withLock { held in
            guard let entry = held[path] else { return }
            if entry.count > 1 {
                held[path] = (entry.fd, entry.count - 1)
            } else {
                flock(entry.fd, LOCK_UN)
                close(entry.fd)
                held[path] = nil
            }
        }
    }
}
