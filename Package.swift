// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "infusiond",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "infusiond", targets: ["infusiond"]),
        .executable(name: "infusionctl", targets: ["infusionctl"]),
        .executable(name: "infusion-bench", targets: ["infusion-bench"]),
        .library(name: "InfusionClient", targets: ["InfusionClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .target(name: "InfusionCore"),
        // HL7 v2 parsing, MLLP framing, acknowledgements and the IHE PCD-01/PCD-04 mapping as pure values; the
        // daemon binds them to sessions. NIOCore only for the channel handlers around the pure framer.
        .target(
            name: "InfusionHL7",
            dependencies: ["InfusionCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "InfusionStore",
            dependencies: [
                "InfusionCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedFilesPlugin"]
        ),
        .target(
            name: "InfusionServer",
            dependencies: [
                "InfusionCore",
                "InfusionStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The MLLP listener (docs/HL7.md): the HL7 parser and PCD mapping, and a plain NIO server.
                "InfusionHL7",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            plugins: ["EmbedFilesPlugin"]
        ),
        .target(
            name: "InfusionClient",
            dependencies: [
                "InfusionCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "infusiond",
            dependencies: [
                "InfusionServer",
                "InfusionCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "infusionctl",
            dependencies: [
                "InfusionClient",
                "InfusionCore",
                // Offline audit verification (--db, --file) reads files with the same code the daemon uses.
                "InfusionStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "infusion-bench",
            dependencies: [
                "InfusionClient",
                "InfusionCore",
                "InfusionStore",
                "InfusionServer",
                // `infusion-bench hl7` builds PCD-01 messages and reads their acknowledgements with the daemon's parser.
                "InfusionHL7",
                // The restart scenario writes its history fixture straight into a database.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support for docs/BENCHMARKS.md: writes a large audit trail through the real append path.
        .executableTarget(
            name: "infusion-audit-fixture",
            dependencies: [
                "InfusionStore",
                "InfusionCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/AuditFixture"
        ),
        .executableTarget(name: "EmbedFiles"),
        .plugin(name: "EmbedFilesPlugin", capability: .buildTool(), dependencies: ["EmbedFiles"]),
        .testTarget(name: "InfusionCoreTests", dependencies: ["InfusionCore", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "InfusionStoreTests",
            dependencies: ["InfusionStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "InfusionServerTests",
            dependencies: [
                "InfusionServer",
                "InfusionStore",
                "InfusionCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The golden transcripts are read from the source tree by path (GoldenScenarioTests), not as resources.
            exclude: ["Golden/README.md", "Golden/Scenarios"]
        ),
        .testTarget(name: "InfusionClientTests", dependencies: ["InfusionClient"]),
        .testTarget(
            name: "InfusionHL7Tests",
            dependencies: [
                "InfusionHL7",
                "InfusionCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // The bench's pure parts (the alert-delivery join, medians), tested without a daemon.
        .testTarget(
            name: "InfusionBenchTests",
            dependencies: ["infusion-bench", "InfusionCore", "InfusionHL7", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .testTarget(
            name: "EndToEndTests",
            // The executables are dependencies so `swift test` builds them; the tests run the real binaries.
            dependencies: ["InfusionClient", "InfusionCore", "infusiond", "infusionctl", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)

for target in package.targets where target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
