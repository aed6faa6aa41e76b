import Foundation

/// Runs `body` on a thread of its own and waits for it at most `seconds`: its result, or `nil` when
/// it is still running (it is then left to finish on its own).
///
/// For tests of work that must stay small whatever the input: it finishes in milliseconds, and
/// the limit is only there so that a regression (minutes or hours of work) fails the test instead
/// of hanging the suite. Not a timing assertion.
public func finishing<T: Sendable>(within seconds: Double, _ body: @escaping @Sendable () throws -> T) throws -> T? {
    let box = ResultBox<T>(), done = DispatchSemaphore(value: 0)
    Thread {
        box.result = Result { try body() }
        done.signal()
    }.start()
    guard done.wait(timeout: .now() + seconds) == .success, let result = box.result else { return nil }
    return try result.get()
}

/// @unchecked Sendable because `result` is written by the worker before it signals and read only after the wait.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
