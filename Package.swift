// swift-tools-version:6.0
// Amplifi Dispatch — the send engine of an SMS/MMS platform.
// Module layout (docs/architecture.md): C shims, thin database layers,
// a pure messaging domain, the engine, and the `amplifi` executable.
import PackageDescription

/// Strict settings shared by every Swift target.
let strictSettings: [SwiftSetting] = [
    // SE-0335: `any` must be spelled out for existentials.
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: a member is visible only where its module is imported.
    .enableUpcomingFeature("MemberImportVisibility"),
    // SE-0409: imports are internal unless marked `public import`.
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "amplifi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "amplifi", targets: ["amplifi"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C libraries (Debian: libpq-dev, libhiredis-dev)
        .systemLibrary(
            name: "CLibpq",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),

        // MARK: Shared plumbing: dedicated-thread executors and the connection pool.
        .target(
            name: "AmplifiConcurrency",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Database layers
        .target(
            name: "AmplifiPostgres",
            dependencies: [
                "CLibpq", "AmplifiConcurrency",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AmplifiRedis",
            dependencies: [
                "CHiredis", "AmplifiConcurrency",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Local Postgres + Redis servers for `amplifi demo` and the tests
        .target(
            name: "AmplifiLocalServers",
            dependencies: ["AmplifiPostgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),

        // MARK: Pure domain (no I/O)
        .target(
            name: "AmplifiMessaging",
            swiftSettings: strictSettings
        ),

        // MARK: Carriers: the Carrier protocol, Twilio's contract, the simulator
        .target(
            name: "AmplifiCarriers",
            dependencies: [
                "AmplifiMessaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The engine: intake, scheduling, planning, queues (and, later, sending)
        .target(
            name: "AmplifiEngine",
            dependencies: [
                "AmplifiPostgres", "AmplifiRedis", "AmplifiMessaging", "AmplifiCarriers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Process observability: log format and level, the metrics registry and process series
        .target(
            name: "AmplifiObservability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings,
            plugins: ["BuildVersionStamp"]
        ),
        // The build's version (git describe, or AMPLIFI_BUILD_VERSION) baked into the binary.
        .plugin(name: "BuildVersionStamp", capability: .buildTool()),

        // MARK: HTTP servers: the Twilio-compatible carrier simulator, and the receiver of
        // status callbacks and inbound messages
        .target(
            name: "AmplifiCarrierSimulator",
            dependencies: [
                "AmplifiCarriers", "AmplifiMessaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Pieces every HTTP role can share: fixed error bodies, /livez /readyz /healthz from a
        // cached probe, connection limits and read deadlines, load shedding.
        .target(
            name: "AmplifiHTTP",
            dependencies: [
                "AmplifiMessaging", "AmplifiObservability", "AmplifiPostgres", "AmplifiRedis",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // MARK: The HTTP API role: API keys, campaigns endpoints (test sends go through a carrier)
        .target(
            name: "AmplifiAPI",
            dependencies: [
                "AmplifiHTTP", "AmplifiEngine", "AmplifiCarriers", "AmplifiMessaging", "AmplifiPostgres",
                "AmplifiRedis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AmplifiReceiver",
            dependencies: [
                "AmplifiHTTP", "AmplifiEngine", "AmplifiCarriers", "AmplifiMessaging", "AmplifiPostgres",
                "AmplifiRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: `amplifi chaos`: a private fleet under a seeded fault schedule, judged by invariants
        .target(
            name: "AmplifiChaos",
            dependencies: [
                "AmplifiEngine", "AmplifiCarrierSimulator", "AmplifiCarriers", "AmplifiMessaging", "AmplifiPostgres",
                "AmplifiRedis", "AmplifiLocalServers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: `amplifi bench`: benchmarks that print numbers (never shipped in the engine library)
        .target(
            name: "AmplifiBench",
            dependencies: [
                "AmplifiEngine", "AmplifiCarriers", "AmplifiMessaging", "AmplifiPostgres", "AmplifiRedis",
                "AmplifiLocalServers", "AmplifiCarrierSimulator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The executable
        .executableTarget(
            name: "amplifi",
            dependencies: [
                "AmplifiPostgres", "AmplifiRedis", "AmplifiMessaging", "AmplifiLocalServers", "AmplifiEngine",
                "AmplifiCarriers",
                "AmplifiCarrierSimulator", "AmplifiReceiver", "AmplifiHTTP", "AmplifiChaos", "AmplifiBench",
                "AmplifiObservability", "AmplifiAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .target(
            name: "AmplifiTestSupport",
            dependencies: ["AmplifiConcurrency", "AmplifiLocalServers", "AmplifiPostgres", "AmplifiRedis"],
            path: "Tests/AmplifiTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiConcurrencyTests",
            dependencies: ["AmplifiConcurrency"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiPostgresTests",
            dependencies: ["AmplifiConcurrency", "AmplifiLocalServers", "AmplifiPostgres", "AmplifiTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiRedisTests",
            dependencies: ["AmplifiConcurrency", "AmplifiLocalServers", "AmplifiRedis", "AmplifiTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiMessagingTests",
            dependencies: [
                "AmplifiMessaging",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiObservabilityTests",
            dependencies: [
                "AmplifiObservability",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiCarriersTests",
            dependencies: [
                "AmplifiCarriers", "AmplifiMessaging", "AmplifiTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiBenchTests",
            dependencies: [
                "AmplifiBench", "AmplifiEngine", "AmplifiPostgres", "AmplifiLocalServers", "AmplifiTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiEngineTests",
            dependencies: [
                "AmplifiEngine", "AmplifiCarriers", "AmplifiMessaging", "AmplifiPostgres", "AmplifiRedis",
                "AmplifiLocalServers", "AmplifiCarrierSimulator", "AmplifiTestSupport", "AmplifiBench",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiCarrierSimulatorTests",
            dependencies: [
                "AmplifiCarrierSimulator", "AmplifiCarriers", "AmplifiMessaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiReceiverTests",
            dependencies: [
                "AmplifiReceiver", "AmplifiHTTP", "AmplifiConcurrency", "AmplifiCarrierSimulator", "AmplifiEngine",
                "AmplifiCarriers", "AmplifiMessaging",
                "AmplifiPostgres", "AmplifiRedis", "AmplifiLocalServers", "AmplifiTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AmplifiChaosTests",
            dependencies: ["AmplifiChaos", "AmplifiCarrierSimulator"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "amplifiTests",
            dependencies: [
                "amplifi", "AmplifiLocalServers", "AmplifiTestSupport", "AmplifiPostgres", "AmplifiCarriers",
                "AmplifiMessaging", "AmplifiAPI", "AmplifiRedis", "AmplifiEngine", "AmplifiObservability",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
