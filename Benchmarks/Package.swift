// swift-tools-version:6.1
// The benchmark suite's Swift side: its own package, so `make test`'s build never compiles it.
// `make bench` (Benchmarks/bench.py) builds and runs it; see Benchmarks/README.md.
import PackageDescription

let package = Package(
    name: "OutreachBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "outreachd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The messages to render (each rule's template in four languages) and the one adapter that calls outreachd's renderer.
        .target(
            name: "RenderFixtures",
            dependencies: [.product(name: "OutreachCore", package: "outreachd")],
            path: "Sources/RenderFixtures"
        ),
        // Writes the same messages' values and outreachd's output as JSON, for chevron to render and compare.
        .executableTarget(
            name: "render-fixtures",
            dependencies: ["RenderFixtures"],
            path: "Sources/render-fixtures"
        ),
        // ordo-one/benchmark expects benchmark targets under Benchmarks/ of the package.
        .executableTarget(
            name: "Rendering",
            dependencies: ["RenderFixtures", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Rendering",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
