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
/// every alert event.
public enum PipelineTarget {
    /// The repository root, where the registry and data sets are read from (once).
    nonisolated(unsafe) public static var root = "."

    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let base = input.baseAddress,
              let file = fmemopen(UnsafeMutableRawPointer(mutating: base), input.count, "rb"),
              let source = try? PcapSource.openOffline(file: file, name: "fuzz.pcap") else { return }
        let registry = inputs.registry
        var writer = JSONWriter(capacity: 4096)
        let engine = DetectionEngine(registry: registry, dataSets: inputs.dataSets) { event in
            writer.reset()
            AlertJSON.write(event, registry: registry, into: &writer)
        }
        let feed = EngineFeed(engine: engine)
        feed.currentSource = "fuzz.pcap"
        let decoder = CaptureDecoder(bgpPorts: [179]) { event in feed.handle(event) }
        decoder.sessionStarted = { session in feed.sessionStarted(session) }
        let linkType = source.linkType
        var frames = 0
        while frames < 10_000, case .frame? = try? source.next({ frame in decoder.process(frame, linkType: linkType) }) {
            frames += 1
        }
        decoder.finish()
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
