/// A property a fuzz target checks on every input.
///
/// A violation traps on purpose: libFuzzer treats the trap as a crash and saves the input as
/// `crash-<sha1>`, which is what `make fuzz` reports. Outside the harness, a trap would be the bug.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property violated: \(message())") }
}

/// The number of lines of a text: its LFs plus one (a CRLF is one line break; the loaders count
/// lines by LF). A diagnostic's line must lie within it.
public func lineCount(_ bytes: some Sequence<UInt8>) -> Int {
    bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
}

/// The input as text: the loaders read UTF-8, so invalid bytes become U+FFFD here as they would
/// be refused there (each loader's own UTF-8 check is covered where it reads files).
public func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
    String(decoding: bytes(data, size), as: UTF8.self)
}

/// The input's bytes.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
}
