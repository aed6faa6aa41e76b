import Dispatch

/// A task executor on a Dispatch queue of its own, so async work that synchronous code waits for
/// never needs a thread of Swift's cooperative pool.
///
/// ``PostgresPool`` blocks its caller on a semaphore until a task finishes. Were that task to run
/// on the cooperative pool, a caller that is itself a task (a Swift Testing test, on a two-core
/// machine with two cooperative threads) could block the very threads the task waits for.
final class DispatchTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        // Concurrent: jobs are short (the pool's bookkeeping, decoding rows); I/O is on NIO's event loops.
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
