import CFuzzer
import Foundation

/// A fuzz target's entry: one input's bytes in, 0 out (libFuzzer's `LLVMFuzzerTestOneInput`).
public typealias FuzzEntry = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments (corpus folders, `-max_total_time=…`) over `entry`
/// and exits with its status: non-zero when it found a crash, and the input is saved.
public func runFuzzer(_ entry: FuzzEntry) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv, entry)
    exit(status)
}
