import Alerting
import BGPWire
import Detection
import Foundation
import PacketCapture
import Testing

/// `FeedPipeline` (replay's two threads) against `EngineFeed.handle` (one thread) on a real-speaker capture.
@Suite("Two-thread feed")
struct FeedPipelineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let demo = packageRoot.appendingPathComponent("Tests/Fixtures/demo/demo.pcap").path
    static let registry = packageRoot.appendingPathComponent("config/prefixes.yaml").path

    /// Shapes: the replay default (the demo's 1,073 UPDATEs fit one batch), batches that fill (64 items), arenas
    /// that fill part-way through a batch (64 KiB of the capture's ~105 KB), one- and three-item batches.
    /// What a replay of the demo capture produces: its alert events as v1 JSON lines, the UPDATEs counted on
    /// the capture side, and the engine's counters. `pipeline` nil: `EngineFeed.handle` on this thread.
    static func replay(pipeline shape: (bytes: Int, items: Int, batches: Int)?) throws -> (events: [String], updates: Int, prefixes: Int) {
        let registry = try RegistryLoader.load(path: Self.registry)
        var events: [String] = []
        let engine = DetectionEngine(registry: registry) { event in
            var w = JSONWriter()
            AlertJSON.write(event, registry: registry, into: &w)
            events.append(String(decoding: w.bytes, as: UTF8.self))
        }
        let feed = EngineFeed(engine: engine)
        feed.currentSource = "demo.pcap"
        var updates = 0
        let pipeline = shape.map { FeedPipeline(feed: feed, batchBytes: $0.bytes, batchItems: $0.items, maximumBatches: $0.batches) }
        defer { pipeline?.finish() }  // also when opening the capture fails: no engine thread left waiting
        let decoder = CaptureDecoder { event in
            if let pipeline {
                pipeline.handle(event) { _ in updates += 1 }
            } else {
                if case .message(let m) = event, m.type == .update { updates += 1 }
                feed.handle(event)
            }
        }
        let source = try PcapSource.openOffline(Self.demo)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        pipeline?.finish()
        let s = engine.statistics
        return (events, updates, s.announced + s.withdrawn)
    }

    @Test("the same events, in the same order, as the one-thread feed; with tiny batches too",
          arguments: [(512 << 10, 4096, 4), (512 << 10, 64, 4), (1 << 16, 4096, 2), (1 << 16, 1, 2), (1 << 16, 3, 2), (0, 2, 0)])
    func sameAsOneThread(bytes: Int, items: Int, batches: Int) throws {
        let reference = try Self.replay(pipeline: nil)
        #expect(reference.events.count >= 12, "the demo capture raises its scenario incidents")
        #expect(reference.updates > 100)
        let piped = try Self.replay(pipeline: (bytes, items, batches))
        #expect(piped.updates == reference.updates)
        #expect(piped.prefixes == reference.prefixes)
        #expect(piped.events == reference.events)
    }
}
