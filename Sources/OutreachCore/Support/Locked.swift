import Foundation

/// A value shared between threads behind a lock, as a reference so escaping closures (worker
/// threads) can hold it.
///
/// An `NSLock` (a pthread mutex), not `Synchronization.Mutex`: on Linux `Mutex` waits on futexes
/// directly, which ThreadSanitizer does not see as synchronisation, so `make sanitize` reported
/// every access under it as a race; a pthread mutex it understands. Uncontended, either costs
/// tens of nanoseconds, nothing next to a message.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
