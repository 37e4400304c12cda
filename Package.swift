// swift-tools-version: 6.2
import PackageDescription

// CI (CI=true) builds with every warning as an error; local builds keep warnings as warnings.
let strictness: [SwiftSetting] =
    Context.environment["CI"] == "true" ? [.treatAllWarnings(as: .error)] : []

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
        .target(name: "BGPWire", swiftSettings: strictness),
        .target(name: "PacketCapture", dependencies: ["CPcap", "BGPWire"], swiftSettings: strictness),
        .executableTarget(
            name: "bgpsentry",
            dependencies: [
                "BGPWire",
                "PacketCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictness
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
