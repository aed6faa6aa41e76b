import Foundation

/// The source of "now" for everything that decides what is due.
///
/// Nothing in OutreachCore reads the system time on its own: the daemon passes ``SystemClock``,
/// `preview --at` and the tests pass a ``FixedClock``, so every date edge can be reproduced.
public protocol Clock: Sendable {
    /// The current instant.
    var now: Date { get }
}

/// The wall clock of the machine.
public struct SystemClock: Clock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that always reads the same instant: `preview --at TIME` and the tests.
public struct FixedClock: Clock {
    public var now: Date
    public init(_ now: Date) { self.now = now }
}
