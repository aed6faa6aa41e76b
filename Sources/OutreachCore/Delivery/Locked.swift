import Synchronization

/// A value shared between threads behind a `Mutex`, as a reference so escaping closures
/// (worker threads) can hold it; `Mutex` itself cannot be copied into them.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try mutex.withLock { try body(&$0) }
    }
}
