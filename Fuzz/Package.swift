// swift-tools-version:6.1
// The libFuzzer targets: their own package, so `make test`'s build never compiles them.
// `make fuzz` builds it with `-sanitize=fuzzer,address` and runs each target for FUZZ_SECONDS;
// see the Makefile and the README's "Fuzzing" paragraph.
import PackageDescription

/// One executable per fuzz target: a `LLVMFuzzerTestOneInput` entry over one public OutreachCore API.
/// Its `main.swift` hands that entry to libFuzzer's driver (see Sources/CFuzzer/include/CFuzzer.h).
func fuzzTarget(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "OutreachCore", package: "outreachd")],
        path: "Sources/\(name)"
    )
}

let package = Package(
    name: "OutreachFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "outreachd", path: ".."),
    ],
    targets: [
        // libFuzzer's driver, declared for Swift.
        .target(name: "CFuzzer", path: "Sources/CFuzzer"),
        // How a target runs and reports a violated property, and the helpers the properties share.
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "Sources/FuzzSupport"),
        fuzzTarget("FuzzConfig"),
        fuzzTarget("FuzzTemplates"),
        fuzzTarget("FuzzCSV"),
        fuzzTarget("FuzzHeaders"),
    ]
)
