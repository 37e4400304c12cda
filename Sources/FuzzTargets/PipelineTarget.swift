import Alerting
import BGPWire
import CPcap
import Detection
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// Fuzz target `pipeline`: a whole pcap file (libpcap's savefile format) through the path `replay` and `run`
/// take — link layer, IP, TCP reassembly, BGP framing, session tracking, detection against the example
/// registry with the test RPKI and AS-relationship data sets, and the `bgpsentry.alert/v1` rendering of
/// every alert event. Differential: the one-thread `EngineFeed.handle` (the daemon's) and replay's threads —
/// `CaptureRelay` to a parse thread, then `FeedPipeline` to the engine's (tiny batches on both queues; the
/// triage keeps UPDATEs without a watched route from the engine and counts them itself) — must give the same
/// events, byte for byte, the same counters and the same per-session route counts.
public enum PipelineTarget {
    /// The repository root, where the registry and data sets are read from (once).
    nonisolated(unsafe) public static var root = "."

    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let direct = replay(input, piped: false), let piped = replay(input, piped: true) else { return }
        require(piped.counters == direct.counters, "counters: pipeline \(piped.counters), one thread \(direct.counters)")
        require(piped.events == direct.events,
                "events differ: pipeline \(piped.events.count), one thread \(direct.events.count); first difference at "
                    + "\(zip(piped.events, direct.events).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
    }

    /// The rendered events, collected on whichever thread the engine runs.
    private final class Events: @unchecked Sendable {
        var lines: [[UInt8]] = []
    }

    /// One pass over the file: its alert events as v1 JSON and the engine's counters (UPDATEs, routes,
    /// watched routes, RFC 6811 outcomes); nil when the file does not open.
    static func replay(_ input: UnsafeRawBufferPointer, piped: Bool) -> (events: [[UInt8]], counters: [Int])? {
        guard let base = input.baseAddress,
              let file = fmemopen(UnsafeMutableRawPointer(mutating: base), input.count, "rb"),
              let source = try? PcapSource.openOffline(file: file, name: "fuzz.pcap") else { return nil }
        let registry = inputs.registry
        let events = Events()
        var writer = JSONWriter(capacity: 4096)
        let engine = DetectionEngine(registry: registry, dataSets: inputs.dataSets) { event in
            writer.reset()
            AlertJSON.write(event, registry: registry, into: &writer)
            events.lines.append(writer.bytes)
        }
        let feed = EngineFeed(engine: engine)
        feed.currentSource = "fuzz.pcap"
        let pipeline = piped ? FeedPipeline(feed: feed, batchBytes: 1 << 16, batchItems: 3, maximumBatches: 2) : nil
        let relay = pipeline.map { CaptureRelay(pipeline: $0, batchBytes: 1 << 16, batchEntries: 5, maximumBatches: 2) }
        let decoder = CaptureDecoder(bgpPorts: [179]) { event in
            if let relay { relay.handle(event) } else { feed.handle(event) }
        }
        decoder.sessionStarted = { session in feed.sessionStarted(session) }
        let linkType = source.linkType
        var frames = 0
        while frames < 10_000, case .frame? = try? source.next({ frame in decoder.process(frame, linkType: linkType) }) {
            frames += 1
        }
        decoder.finish()
        relay?.finish()
        let s = engine.statistics
        let sessionRoutes = decoder.sessions.flatMap { session in session.counters.flatMap { [$0.announced, $0.withdrawn] } }
        return (events.lines, [s.updates, s.announced, s.withdrawn, s.watchedAnnouncements, s.watchedWithdrawals,
                               s.rovValid, s.rovInvalid, s.rovNotFound] + sessionRoutes)
    }

    static let inputs: (registry: Registry, dataSets: DataSets) = {
        do throws(ConfigErrors) {
            let registry = try RegistryLoader.load(path: root + "/config/prefixes.yaml")
            let dataSets = try DataSets.load(asRelationships: root + "/Tests/Fixtures/leaks/leaks.as-rel.txt",
                                             rpki: root + "/Tests/Fixtures/rpki/vrps.json",
                                             slurm: root + "/Tests/Fixtures/rpki/local.slurm")
            return (registry, dataSets)
        } catch {
            fatalError("fuzz-pipeline reads config/prefixes.yaml and Tests/Fixtures from \(root): \(error)")
        }
    }()
}
