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
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "BGPWire", swiftSettings: hotPath),
        .target(name: "PacketCapture", dependencies: ["CPcap", "BGPWire"], swiftSettings: hotPath),
        .executableTarget(
            name: "bgpsentry",
            dependencies: [
                "BGPWire",
                "PacketCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hotPath
        ),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire"], swiftSettings: strictness),
        .testTarget(
            name: "PacketCaptureTests",
            dependencies: ["PacketCapture", "BGPWire"],
            swiftSettings: strictness
        ),
    ],
    swiftLanguageModes: [.v6]
)
