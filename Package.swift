// swift-tools-version: 6.2
import PackageDescription

// CI (CI=true) builds with every warning as an error; local builds keep warnings as warnings.
let strictness: [SwiftSetting] =
    Context.environment["CI"] == "true" ? [.treatAllWarnings(as: .error)] : []

// Release builds of the per-frame pipeline drop the runtime exclusivity checks on class properties
// (about 10% of decode time); debug builds, which the tests use, keep them.
let hotPath: [SwiftSetting] = strictness + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "BGPSentry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bgpsentry", targets: ["bgpsentry"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "PacketCapture", targets: ["PacketCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Registry and daemon configuration files are YAML; Yams gives node line numbers for error messages.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The daemon (`bgpsentry run`): HTTP endpoint, signals and service lifecycle, logging, metrics.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Webhook, Slack and Alertmanager sinks need HTTPS; it brings TLS (swift-nio-ssl) and connection pooling.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "BGPWire", swiftSettings: hotPath),
        .target(name: "PacketCapture", dependencies: ["CPcap", "BGPWire"], swiftSettings: hotPath),
        .target(
            name: "Detection",
            dependencies: ["BGPWire", "PacketCapture", .product(name: "Yams", package: "Yams")],
            swiftSettings: hotPath
        ),
        .target(name: "Alerting", dependencies: ["BGPWire", "Detection"], swiftSettings: hotPath),
        // `bgpsentry run`: live capture, journal, sinks, HTTP endpoint, reload, systemd integration.
        .target(
            name: "Daemon",
            dependencies: [
                "BGPWire", "PacketCapture", "Detection", "Alerting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "bgpsentry",
            dependencies: [
                "BGPWire",
                "PacketCapture",
                "Detection",
                "Alerting",
                "Daemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hotPath,
            // Release builds link the Swift runtime and Foundation in statically: no loading and binding of ~25
            // shared libraries at every start (6 ms of a replay; README, Performance). The archives Foundation's
            // own autolinking leaves out are named. (Not in debug builds: the test bundle links this target's
            // code with the dynamic swift-testing.) They link with the toolchain's lld, which packs the binary's
            // 117,000 relative relocations into 22 KB (DT_RELR; gold cannot): 2.8 MB fewer for the loader to read
            // at every start (start-up 8.8 -> 8.0 ms, 40 fewer page faults), and the link takes seconds.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                             .when(configuration: .release)),
                .linkedLibrary("CoreFoundation", .when(configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(configuration: .release)),
                .linkedLibrary("_FoundationICU", .when(configuration: .release)),
                .linkedLibrary("stdc++", .when(configuration: .release)),
            ]
        ),
        // The checks each fuzz target runs; also run by FuzzRegressionTests on every committed finding and seed.
        .target(name: "FuzzTargets", dependencies: ["BGPWire", "PacketCapture", "Detection", "Alerting", "CPcap"],
                swiftSettings: strictness),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], swiftSettings: strictness),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire"], swiftSettings: strictness),
        .testTarget(
            name: "DetectionTests",
            dependencies: ["Detection", "Alerting", "BGPWire", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictness
        ),
        // Runs the built `bgpsentry` binary end to end on the committed real-speaker captures.
        .testTarget(name: "ReplayTests", dependencies: ["bgpsentry"], swiftSettings: strictness),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Detection", "bgpsentry"], swiftSettings: strictness),
        .testTarget(
            name: "PacketCaptureTests",
            dependencies: ["PacketCapture", "BGPWire"],
            swiftSettings: strictness
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer entry points (Fuzz/*/main.swift, docs/SECURITY.md): built only by scripts/fuzz.sh, which sets
// BGPSENTRY_FUZZ=1 and compiles everything with -sanitize=fuzzer,address in its own build folder.
if Context.environment["BGPSENTRY_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/driver"))
    for name in ["bgp-message", "reassembly", "pipeline", "loaders"] {
        // lld: gold fails on the sanitizer-instrumented objects (internal error in format_file_lineno).
        package.targets.append(.executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzDriver", "FuzzTargets"],
                                                 path: "Fuzz/\(name)", linkerSettings: [.unsafeFlags(["-use-ld=lld"])]))
    }
}
