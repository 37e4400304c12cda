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
            dependencies: ["BGPWire", .product(name: "Yams", package: "Yams")],
            swiftSettings: hotPath
        ),
        .target(name: "Alerting", dependencies: ["BGPWire", "Detection"], swiftSettings: hotPath),
        .executableTarget(
            name: "bgpsentry",
            dependencies: [
                "BGPWire",
                "PacketCapture",
                "Detection",
                "Alerting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hotPath
        ),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire"], swiftSettings: strictness),
        .testTarget(
            name: "DetectionTests",
            dependencies: ["Detection", "Alerting", "BGPWire", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictness
        ),
        // Runs the built `bgpsentry` binary end to end on the committed real-speaker captures.
        .testTarget(name: "ReplayTests", dependencies: ["bgpsentry"], swiftSettings: strictness),
        .testTarget(
            name: "PacketCaptureTests",
            dependencies: ["PacketCapture", "BGPWire"],
            swiftSettings: strictness
        ),
    ],
    swiftLanguageModes: [.v6]
)
