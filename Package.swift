// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "outreachd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "outreachd", targets: ["outreachd"]),
        .library(name: "OutreachCore", targets: ["OutreachCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libcurl through static inline, non-variadic wrappers (GRDBSQLite's shape).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "OutreachCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for reading store rows in place (Store/SQLiteStatementRow.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "CCurl",
            ]
        ),
        .executableTarget(
            name: "outreachd",
            dependencies: [
                "OutreachCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Loopback servers and temporary folders shared by both test targets.
        .target(
            name: "OutreachTestSupport",
            dependencies: ["OutreachCore"],
            path: "Tests/OutreachTestSupport"
        ),
        // swift-mustache renders templates in the tests only: the oracle the compiled renderer is checked against.
        .testTarget(
            name: "OutreachCoreTests",
            dependencies: ["OutreachCore", "OutreachTestSupport", .product(name: "Mustache", package: "swift-mustache")]
        ),
        .testTarget(
            name: "OutreachCLITests",
            dependencies: ["OutreachCore", "OutreachTestSupport"]
        ),
    ]
)
