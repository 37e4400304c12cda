import Foundation
import Testing

@testable import Daemon

#if canImport(Glibc)
import Glibc
#endif

/// The daemon capturing a real BIRD → GoBGP session live (bgpgen, private network namespaces): alerts reach a
/// webhook and an Alertmanager receiver as firing then resolved, /metrics counts the session's prefixes,
/// the kernel drops nothing during the table burst, and capture-to-sink latency stays low.
@Suite("bgpsentry run, live on a real BGP session", .serialized, .enabled(if: LiveCapture.missing == nil, "\(LiveCapture.missing ?? "")"))
struct LiveCaptureTests {
    @Test("live capture: hijack fires then resolves at both receivers; no kernel drops; capture-to-alert and capture-to-sink latency")
    func liveSession() throws {
        let dir = CLI.temporaryDirectory("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // scripts/live-test.sh sets BGPSENTRY_BINARY to a release build: the latency target is for what ships.
        let override = ProcessInfo.processInfo.environment["BGPSENTRY_BINARY"]
        let binary = try #require(override ?? CLI.binary)
        let isRelease = binary.contains("/release/")
        let observer = [CLI.fixture("Tests/Fixtures/daemon/live-observer.sh"), dir, binary, CLI.fixture("config/prefixes.yaml"),
                        CLI.fixture("Tests/Fixtures/daemon/receiver.py")].map { "'\($0)'" }.joined(separator: " ")
        let gen = try CLI.start("/bin/bash", [CLI.fixture("scripts/bgpgen/gen-capture.sh"), "-s", "11", "-g", "1", "-x", "bash \(observer)",
                                              "\(dir)/live.pcap", String(LiveCapture.v4), String(LiveCapture.v6),
                                              CLI.fixture("Tests/Fixtures/demo/demo.scenario")], in: dir, name: "gen")
        #expect(CLI.wait(seconds: 900) { !gen.isRunning }, "bgpgen did not finish")
        #expect(gen.terminationStatus == 0, "\(CLI.read("\(dir)/gen.err").suffix(3000))")
        #expect(CLI.read("\(dir)/daemon.rc").trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(CLI.read("\(dir)/daemon.err").suffix(3000))")

        // The hijack of 2603:1006::/40 fires in phase 4 and is resolved when the legitimate route returns.
        let hook = CLI.lines("\(dir)/hook.jsonl").map { CLI.json(CLI.json($0)["body"] as? String ?? "") }
        let incident = hook.filter { $0["type"] as? String == "origin-hijack" && $0["prefix"] as? String == "2603:1006::/40" }
        #expect(incident.map { $0["status"] as? String ?? "" } == ["firing", "resolved"], "\(hook.map { "\($0["status"] ?? "") \($0["type"] ?? "")" })")
        #expect(incident.last?["reason"] as? String == "replaced")
        let firingTypes = Set(hook.filter { $0["status"] as? String == "firing" }.compactMap { $0["type"] as? String })
        #expect(firingTypes.isSuperset(of: ["origin-hijack", "subprefix-hijack", "route-leak", "squat", "path-hijack", "more-specific",
                                            "unexpected-prefix", "suboptimal-path", "withdrawn"]), "\(firingTypes)")
        let am = CLI.lines("\(dir)/am.jsonl").flatMap { line -> [[String: Any]] in
            let body = CLI.json(line)["body"] as? String ?? ""
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
        }
        let amIncident = am.filter { ($0["labels"] as? [String: String])?["prefix"] == "2603:1006::/40" }
        #expect(amIncident.count == 2 && amIncident.first?["endsAt"] == nil && amIncident.last?["endsAt"] != nil)

        // The daemon saw the same as the capture tcpdump made beside it.
        let replay = try CLI.start(binary, ["replay", "--registry", CLI.fixture("config/prefixes.yaml"), "--format", "jsonl", "\(dir)/live.pcap"],
                                   in: dir, name: "replay")
        replay.waitUntilExit()
        let replayed = CLI.lines("\(dir)/replay.out").map(CLI.json).filter { $0["type"] as? String != "session-down" }
        let key = { (o: [String: Any]) in "\(o["status"] ?? "") \(o["id"] ?? "")" }
        #expect(Set(hook.filter { $0["type"] as? String != "session-down" }.map(key)) == Set(replayed.map(key)))

        let metrics = CLI.read("\(dir)/metrics.txt")
        try? metrics.write(toFile: "/tmp/bgpsentry-live-metrics.txt", atomically: true, encoding: .utf8)
        // End to end per event: receiver clock at arrival minus the capture time of the frame that caused it.
        let latencies = CLI.lines("\(dir)/hook.jsonl").compactMap { line -> Double? in
            let record = CLI.json(line)
            let event = CLI.json(record["body"] as? String ?? "")
            guard let at = record["at"] as? Double, let stamp = (event["resolvedAt"] ?? event["lastSeen"]) as? String,
                let captured = OpenAlertState.parseTime(stamp)
            else { return nil }
            return at - Double(captured) / 1e6
        }.sorted()

        let announced = CLI.metric(metrics, "bgpsentry_prefixes_announced_total") ?? 0
        #expect(announced >= Double(LiveCapture.v4 + LiveCapture.v6), "announced \(announced)")
        let drops = metrics.split(separator: "\n").filter { $0.hasPrefix("bgpsentry_kernel_dropped_total{") }
        #expect(!drops.isEmpty && drops.allSatisfy { $0.hasSuffix(" 0") }, "\(drops)")
        let p99 = try #require(LiveCapture.quantile(0.99, metrics: metrics, series: "bgpsentry_capture_to_sink_seconds", sink: "cli-webhook"))
        let p50 = LiveCapture.quantile(0.5, metrics: metrics, series: "bgpsentry_capture_to_sink_seconds", sink: "cli-webhook") ?? -1
        let alertP99 = try #require(LiveCapture.quantile(0.99, metrics: metrics, series: "bgpsentry_capture_to_alert_seconds", sink: nil))
        // Release build (scripts/live-test.sh): the targets — detection and delivery of the scenario's bursts
        // (9-10 alerts from one millisecond of traffic) over HTTP with p99 < 10 ms (histogram bucket; the printed
        // per-event arrival times say how far under). The debug build `swift test` uses is several times
        // slower: looser bounds there.
        #expect(alertP99 <= (isRelease ? 0.010 : 0.100), "p99 capture-to-alert \(alertP99) s")
        #expect(p99 <= (isRelease ? 0.010 : 0.250), "p99 capture-to-sink \(p99) s (\(isRelease ? "release" : "debug") build)")
        let summary = "live (\(isRelease ? "release" : "debug") build): \(Int(announced)) prefixes announced, kernel drops \(drops.map { $0.split(separator: " ").last ?? "" }), "
            + "capture-to-alert p99 ≤ \(alertP99 * 1000) ms; capture-to-webhook p50 ≤ \(p50 * 1000) ms, p99 ≤ \(p99 * 1000) ms (histogram bucket bounds); "
            + "per event at the receiver: \(latencies.map { String(format: "%.1f", $0 * 1000) }.joined(separator: " ")) ms; \(hook.count) webhook events\n"
        FileHandle.standardError.write(Data(summary.utf8))
        try? summary.write(toFile: "/tmp/bgpsentry-live-test.txt", atomically: true, encoding: .utf8)
    }
}

enum LiveCapture {
    static let v4 = 50_000
    static let v6 = 5_000

    /// Why the live test cannot run here, or `nil`.
    static var missing: String? {
        if geteuid() != 0 { return "live capture test needs root (network namespaces, CAP_NET_RAW); .ci/run runs it as root" }
        for tool in ["/usr/sbin/bird", "/usr/bin/gobgpd", "/usr/bin/tcpdump", "/usr/sbin/ip", "/usr/sbin/ethtool"]
        where !FileManager.default.isExecutableFile(atPath: tool) && !FileManager.default.isExecutableFile(atPath: tool.replacingOccurrences(of: "/usr/sbin", with: "/sbin")) {
            return "live capture test needs \(tool) (scripts/setup --tools installs bird2 gobgpd tcpdump iproute2 ethtool)"
        }
        if !CLI.ready { return "needs the built bgpsentry binary and python3" }
        if !canCreateNamespace { return "live capture test: this machine does not allow network namespaces (ip netns add failed)" }
        return nil
    }

    static let canCreateNamespace: Bool = {
        let name = "bgpsentry-probe-\(getpid())"
        let add = Process()
        add.executableURL = URL(fileURLWithPath: "/bin/sh")
        add.arguments = ["-c", "ip netns add \(name) && ip netns del \(name)"]
        add.standardError = FileHandle.nullDevice
        guard (try? add.run()) != nil else { return false }
        add.waitUntilExit()
        return add.terminationStatus == 0
    }()

    /// Upper bucket bound holding quantile `q` of a Prometheus histogram for one sink.
    static func quantile(_ q: Double, metrics: String, series: String, sink: String?) -> Double? {
        var buckets: [(Double, Double)] = []
        for line in metrics.split(separator: "\n") where line.hasPrefix("\(series)_bucket{") && (sink.map { line.contains("sink=\"\($0)\"") } ?? true) {
            guard let leRange = line.range(of: "le=\""), let end = line[leRange.upperBound...].firstIndex(of: "\""),
                let count = Double(line.split(separator: " ").last ?? "")
            else { continue }
            let le = line[leRange.upperBound..<end] == "+Inf" ? Double.infinity : Double(line[leRange.upperBound..<end]) ?? .infinity
            buckets.append((le, count))
        }
        buckets.sort { $0.0 < $1.0 }
        guard let total = buckets.last?.1, total > 0 else { return nil }
        return buckets.first { $0.1 >= q * total }?.0
    }
}
