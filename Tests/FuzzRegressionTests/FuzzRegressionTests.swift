import Foundation
import FuzzTargets
import Testing

/// Every input a fuzz target once failed on (minimised, committed under Tests/Fixtures/fuzz/TARGET/) runs
/// through the same checks again, and so do the shared corpus's malformed captures and raw crashers.
@Suite("Fuzz findings and crashers stay fixed")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let targets: [(String, @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("bgp-message", { BGPMessageTarget.run($0) }), ("reassembly", { ReassemblyTarget.run($0) }),
        ("pipeline", { PipelineTarget.run($0) }), ("loaders", { LoadersTarget.run($0) }),
    ]

    static func inputs(_ folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { folder.appendingPathComponent($0) }
    }

    static func run(_ target: (UnsafeRawBufferPointer) -> Void, _ file: URL) throws {
        let bytes = try Data(contentsOf: file)
        bytes.withUnsafeBytes { target($0) }
    }

    @Test("committed findings", arguments: targets.map(\.0))
    func findings(_ name: String) throws {
        PipelineTarget.root = Self.root.path
        let target = try #require(Self.targets.first { $0.0 == name }?.1)
        let files = Self.inputs(Self.root.appendingPathComponent("Tests/Fixtures/fuzz/\(name)"))
        #expect(!files.isEmpty, "no committed inputs for \(name)")
        for file in files { try Self.run(target, file) }
    }

    @Test("shared corpus through the message and pipeline targets", .enabled(if: Self.corpus != nil, "../shared/corpus not found"))
    func corpusInputs() throws {
        PipelineTarget.root = Self.root.path
        let corpus = try #require(Self.corpus)
        for file in Self.inputs(corpus.appendingPathComponent("bgp-raw-malformed")) {
            let bytes = try [UInt8](Data(contentsOf: file))
            for selector: UInt8 in 0...15 {
                ([selector] + bytes).withUnsafeBytes { BGPMessageTarget.run($0) }
            }
        }
        for folder in ["pcap-malformed", "pcap"] {
            for file in Self.inputs(corpus.appendingPathComponent(folder)) where (try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0 < 4 << 20 {
                try Self.run(PipelineTarget.run, file)
            }
        }
    }

    static var corpus: URL? {
        let candidates = [ProcessInfo.processInfo.environment["BGPSENTRY_CORPUS"].map { URL(fileURLWithPath: $0) },
                          root.deletingLastPathComponent().appendingPathComponent("shared/corpus")]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("pcap").path) }
    }
}
