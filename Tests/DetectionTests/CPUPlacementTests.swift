@testable import Detection
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PacketCapture
import Testing

/// `CPUPlacement`: which CPUs replay's two sides get, and that its threads' start hooks run on those threads.
@Suite("CPU placement of replay's threads")
struct CPUPlacementTests {
    @Test("two CPUs in the mask: the higher for the parse side, the lower for the capture side; otherwise none")
    func pairOfMask() {
        #expect(CPUPlacement.pair(inMask: [0b11]).map { [$0.parse, $0.capture] } == [1, 0])
        #expect(CPUPlacement.pair(inMask: [0b1010_0000]).map { [$0.parse, $0.capture] } == [7, 5])
        #expect(CPUPlacement.pair(inMask: [1, 1]).map { [$0.parse, $0.capture] } == [64, 0])
        #expect(CPUPlacement.pair(inMask: [0, 0, 1 << 63, 0, 1]).map { [$0.parse, $0.capture] } == [256, 191])
        #expect(CPUPlacement.pair(inMask: [0b111]) == nil)
        #expect(CPUPlacement.pair(inMask: [0b100]) == nil)
        #expect(CPUPlacement.pair(inMask: [0, 0]) == nil)
        #expect(CPUPlacement.pair(inMask: []) == nil)
    }

    /// The CPUs the calling thread may run on, as the kernel lists them (`Cpus_allowed_list`, e.g. "0-1" or "1").
    static func allowedCPUs() -> String? {
        guard let status = try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        return line.map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) }
    }

    @Test("on a two-CPU process, a pinned thread may run on its side's CPU only, each side on another")
    func pinsToOneCPU() throws {
        guard CPUPlacement.applies else {
            let cpus = Self.allowedCPUs() ?? "?"
            print("CPUPlacementTests.pinsToOneCPU: skipped: this process may use CPUs \(cpus), not exactly two")
            return
        }
        // On threads of their own: the test runner's threads keep their CPUs.
        let before = JoinableThread { Self.allowedCPUs() }.join().get()
        let parse = JoinableThread { () -> String? in
            CPUPlacement.pinCurrentThread(to: .parse)
            return Self.allowedCPUs()
        }.join().get()
        let capture = JoinableThread { () -> String? in
            CPUPlacement.pinCurrentThread(to: .capture)
            return Self.allowedCPUs()
        }.join().get()
        let p = try #require(parse.flatMap { Int($0) }), c = try #require(capture.flatMap { Int($0) })
        #expect(p != c)
        #expect(before != parse && before != capture)
    }

    @Test("the engine thread's and the parse thread's start hooks run once each, on those threads")
    func startHooksRunOnTheirThreads() throws {
        let caller = UInt(pthread_self())
        let started = StartLog()
        let engine = DetectionEngine(registry: try RegistryLoader.load(path: FeedPipelineTests.registry)) { _ in }
        let pipeline = FeedPipeline(feed: EngineFeed(engine: engine),
                                    engineThreadStarted: { started.record("engine", UInt(pthread_self())) })
        let relay = CaptureRelay(pipeline: pipeline,
                                 parseThreadStarted: { started.record("parse", UInt(pthread_self())) })
        let decoder = CaptureDecoder(updateSink: nil) { relay.handle($0) }
        let source = try PcapSource.openOffline(FeedPipelineTests.demo)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        relay.finish()
        let log = started.entries
        #expect(log.map(\.hook).sorted() == ["engine", "parse"])
        #expect(Set(log.map(\.thread)).count == 2)
        #expect(!log.map(\.thread).contains(caller))
        #expect(engine.statistics.updates > 1_000)  // the demo's UPDATEs went through the hooked threads
    }

    final class StartLog: @unchecked Sendable {
        private let lock = NSLock()
        private var log: [(hook: String, thread: UInt)] = []
        func record(_ hook: String, _ thread: UInt) { lock.withLock { log.append((hook, thread)) } }
        var entries: [(hook: String, thread: UInt)] { lock.withLock { log } }
    }
}
