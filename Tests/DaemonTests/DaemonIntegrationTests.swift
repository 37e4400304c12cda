import Foundation
import Testing

@testable import Daemon

/// `bgpsentry run` end to end: the built binary, real-speaker captures, HTTP receivers on 127.0.0.1.
@Suite("bgpsentry run: delivery, restart, reload", .serialized,
       .enabled(if: CLI.ready, "needs the built bgpsentry binary and python3 (for the test HTTP receiver)"))
struct DaemonIntegrationTests {
    static let demo = CLI.fixture("Tests/Fixtures/demo/demo.pcap")
    static let registry = CLI.fixture("config/prefixes.yaml")

    /// (status, id) of each event `replay` reports for the demo capture: what the daemon must deliver.
    static func replayEvents() throws -> [String] {
        let dir = CLI.temporaryDirectory("replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try CLI.start(try #require(CLI.binary), ["replay", "--registry", registry, "--format", "jsonl", demo], in: dir, name: "replay")
        p.waitUntilExit()
        return jsonlEvents("\(dir)/replay.out")
    }

    /// `status id` of one event's JSON.
    static func key(_ json: String) -> String {
        let j = CLI.json(json)
        return "\(j["status"] ?? "") \(j["id"] ?? "")"
    }

    /// `status id` of each event a test HTTP receiver recorded.
    static func delivered(_ path: String) -> [String] { received(path).map { key($0.body) } }

    /// `status id` of each event in a JSON-lines file.
    static func jsonlEvents(_ path: String) -> [String] { CLI.lines(path).map(key) }

    static func received(_ path: String) -> [(path: String, headers: [String: String], body: String)] {
        CLI.lines(path).map { line in
            let o = CLI.json(line)
            return (o["path"] as? String ?? "", o["headers"] as? [String: String] ?? [:], o["body"] as? String ?? "")
        }
    }

    @Test("a webhook that fails at first gets every event after recovery, each alert in order, signed; Alertmanager gets labelled alerts")
    func retriedDelivery() throws {
        let dir = CLI.temporaryDirectory("retry")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (hook, hookPort) = try CLI.receiver(in: dir, name: "hook", failFirst: 3)
        defer { CLI.kill(hook) }
        let (am, amPort) = try CLI.receiver(in: dir, name: "am")
        defer { CLI.kill(am) }
        let config = """
            registry: \(Self.registry)
            stateDirectory: \(dir)/state
            http: { listen: "off" }
            sinks:
              - name: hook
                type: webhook
                url: http://127.0.0.1:\(hookPort)/bgp
                headers: { X-Team: noc }
                secretEnv: BGPSENTRY_TEST_SECRET
              - name: am
                type: alertmanager
                url: http://127.0.0.1:\(amPort)
                generatorURL: http://bgpsentry.test/alerts
            """
        try config.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", Self.demo],
                                   in: dir, name: "daemon", environment: ["BGPSENTRY_TEST_SECRET": "s3cret"])
        #expect(CLI.wait(seconds: 60) { !daemon.isRunning }, "daemon did not finish")
        #expect(daemon.terminationStatus == 0, "\(CLI.read("\(dir)/daemon.err"))")
        let expected = try Self.replayEvents()
        let hookEvents = Self.received("\(dir)/hook.jsonl")
        // Up to 8 alerts are in flight at once: every event arrives, and each alert's events in their order.
        let got = hookEvents.map { Self.key($0.body) }
        #expect(got.sorted() == expected.sorted())
        for id in Set(expected.map { $0.split(separator: " ")[1] }) {
            #expect(got.filter { $0.hasSuffix(" \(id)") } == expected.filter { $0.hasSuffix(" \(id)") })
        }
        for e in hookEvents {
            #expect(e.path == "/bgp")
            #expect(e.headers["X-Team"] == "noc")
            let signature = "sha256=" + SHA256.hex(SHA256.hmac(key: Array("s3cret".utf8), message: Array(e.body.utf8)))
            #expect(e.headers["X-BGPSentry-Signature"] == signature)
        }
        #expect(!CLI.read("\(dir)/daemon.err").contains("s3cret"), "the secret must never be logged")
        #expect(CLI.read("\(dir)/daemon.err").contains("delivery failed"))
        let amPosts = Self.received("\(dir)/am.jsonl")
        #expect(amPosts.allSatisfy { $0.path == "/api/v2/alerts" })
        // Alertmanager takes a list: alerts waiting together share a POST. Every event is in exactly one.
        let amAlerts = amPosts.flatMap { post in (try? JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [[String: Any]]) ?? [] }
        #expect(amAlerts.count == expected.count)
        #expect(amPosts.count < expected.count)
        let first = try #require(amAlerts.first)
        let labels = try #require(first["labels"] as? [String: String])
        #expect(labels["alertname"] == "BGPSentryOriginHijack" && labels["severity"] == "critical")
        #expect(first["generatorURL"] as? String == "http://bgpsentry.test/alerts")
        #expect(amAlerts.filter { $0["endsAt"] != nil }.count == expected.filter { $0.hasPrefix("resolved") }.count)
    }

    @Test("jsonl, RFC 5424 syslog over UDP and the exec hook (with its filter) each receive their events")
    func localSinks() throws {
        let dir = CLI.temporaryDirectory("local")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let udp = CLI.UDPListener()
        let hook = "\(dir)/hook.sh"
        try "#!/bin/sh\ncat >> \"$1\"\necho \"$BGPSENTRY_STATUS $BGPSENTRY_TYPE $BGPSENTRY_SEVERITY $BGPSENTRY_ID\" >> \"$2\"\n"
            .write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        try """
            registry: \(Self.registry)
            stateDirectory: \(dir)/state
            http: { listen: "off" }
            sinks:
              - { name: file, type: jsonl, path: out.jsonl }
              - { name: syslog, type: syslog, url: "udp://127.0.0.1:\(udp.port)", facility: local3, appName: bgpsentry-test }
              - name: hook
                type: exec
                command: [\(hook), \(dir)/exec.jsonl, \(dir)/exec.env]
                filter: { minSeverity: critical }
            """.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", Self.demo], in: dir, name: "daemon")
        #expect(CLI.wait(seconds: 60) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0, "\(CLI.read("\(dir)/daemon.err"))")
        let expected = try Self.replayEvents()
        let events = CLI.lines("\(dir)/out.jsonl").map(CLI.json)
        #expect(events.map { "\($0["status"] ?? "") \($0["id"] ?? "")" } == expected)

        let messages = udp.datagrams().map { String(decoding: $0, as: UTF8.self) }
        #expect(messages.count == expected.count)
        // local3 (19) × 8 + crit (2) = 154 for a critical firing; notice (5) for resolutions.
        #expect(messages.contains { $0.hasPrefix("<154>1 ") && $0.contains(" bgpsentry-test ") && $0.contains(" origin-hijack [bgpsentry@32473 id=\"") })
        #expect(messages.contains { $0.hasPrefix("<157>1 ") && $0.contains("status=\"resolved\"") })

        let critical = events.filter { $0["severity"] as? String == "critical" }
        let env = CLI.lines("\(dir)/exec.env")
        #expect(env == critical.map { "\($0["status"] ?? "") \($0["type"] ?? "") critical \($0["id"] ?? "")" })
        #expect(CLI.lines("\(dir)/exec.jsonl").map { CLI.json($0)["id"] as? String ?? "" } == critical.map { $0["id"] as? String ?? "" })
    }

    @Test("a webhook that times out is retried; every event arrives once it answers in time")
    func slowSink() throws {
        let dir = CLI.temporaryDirectory("slow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (hook, port) = try CLI.receiver(in: dir, name: "hook", extra: ["--delay", "2", "--slow-first", "3"])
        defer { CLI.kill(hook) }
        try """
            registry: \(Self.registry)
            stateDirectory: \(dir)/state
            http: { listen: "off" }
            sinks:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(port)/", timeout: 0.5 }
            """.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", Self.demo,
                                                              "--drain-timeout", "60"], in: dir, name: "daemon")
        #expect(CLI.wait(seconds: 90) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0)
        let got = Self.delivered("\(dir)/hook.jsonl")
        // Timed-out requests may still have reached the receiver late: at least once, never lost.
        #expect(Set(got) == Set(try Self.replayEvents()))
        #expect(CLI.read("\(dir)/daemon.err").contains("delivery failed"))
    }

    @Test("kill -9 with a sink down: after restart every journaled event is delivered, open alerts come back and do not fire twice")
    func killAndRestart() throws {
        let dir = CLI.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = CLI.freePort()
        let binary = try #require(CLI.binary)
        let common = ["--registry", Self.registry, "--state-dir", "\(dir)/state", "--http", "off", "--webhook", "http://127.0.0.1:\(port)/"]
        // Run 1: nothing listens on the webhook port; events pile up in the journal.
        let first = try CLI.start(binary, ["run", "--file", Self.demo, "--drain-timeout", "600"] + common, in: dir, name: "run1")
        let expected = try Self.replayEvents()
        let journaled = CLI.wait(seconds: 60) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/state/journal")) ?? []
            return files.map { CLI.lines("\(dir)/state/journal/\($0)").count }.reduce(0, +) == expected.count
                && FileManager.default.fileExists(atPath: "\(dir)/state/open-alerts.jsonl")
        }
        #expect(journaled)
        usleep(300_000)  // one more sync interval for the snapshot
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let openBefore = CLI.lines("\(dir)/state/open-alerts.jsonl").compactMap { CLI.json($0)["id"] as? String }
        #expect(!openBefore.isEmpty)

        // Run 2: the sink is back; an empty capture, so only the journal can supply events.
        let (receiver, _) = try CLI.receiver(in: dir, name: "hook", port: port)
        defer { CLI.kill(receiver) }
        let empty = "\(dir)/empty.pcap"
        let demoBytes = try #require(FileManager.default.contents(atPath: Self.demo))
        _ = FileManager.default.createFile(atPath: empty, contents: demoBytes.prefix(24))
        let second = try CLI.start(binary, ["run", "--file", empty] + common, in: dir, name: "run2")
        #expect(CLI.wait(seconds: 60) { !second.isRunning })
        #expect(second.terminationStatus == 0, "\(CLI.read("\(dir)/run2.err"))")
        let delivered = Self.delivered("\(dir)/hook.jsonl")
        #expect(Set(delivered) == Set(expected), "every journaled event delivered after the restart")
        #expect(CLI.read("\(dir)/run2.err").contains("open alerts restored"))

        // Run 3: the same incidents seen again are adopted, not announced a second time.
        let third = try CLI.start(binary, ["run", "--file", Self.demo] + common, in: dir, name: "run3")
        #expect(CLI.wait(seconds: 60) { !third.isRunning })
        let afterThird = Self.received("\(dir)/hook.jsonl").map { CLI.json($0.body) }.dropFirst(delivered.count)
        let refired = afterThird.filter { ($0["status"] as? String) == "firing" && openBefore.contains($0["id"] as? String ?? "") }
        #expect(refired.isEmpty, "alerts open before the restart fired again: \(refired.map { $0["id"] ?? "" })")
        #expect(CLI.read("\(dir)/run3.err").contains("not announced again"))
    }

    @Test("SIGHUP: a broken registry keeps the old one (metric, /healthz); a changed one changes detection without losing the session")
    func reload() throws {
        let dir = CLI.temporaryDirectory("hup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = CLI.read(Self.registry)
        try original.write(toFile: "\(dir)/prefixes.yaml", atomically: true, encoding: .utf8)
        let port = CLI.freePort()
        try """
            registry: prefixes.yaml
            stateDirectory: state
            http: { listen: "127.0.0.1:\(port)" }
            sinks:
              - { name: out, type: jsonl, path: out.jsonl }
            """.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let stdin = Pipe()
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", "-"], in: dir,
                                   name: "daemon", stdin: stdin)
        defer { CLI.kill(daemon) }
        let pcap = try #require(FileManager.default.contents(atPath: Self.demo))
        stdin.fileHandleForWriting.write(pcap.prefix(24))
        #expect(CLI.wait(seconds: 30) { CLI.get(port: port, "/healthz").0 == 200 }, "\(CLI.read("\(dir)/daemon.err"))")
        #expect(CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_registry_prefixes") == 31)

        try "prefixes: [ {prefix: 10.0.0.1/8} ]\n".write(toFile: "\(dir)/prefixes.yaml", atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(CLI.wait(seconds: 10) { CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_reloads_total{result=\"failed\"}") == 1 })
        let health = CLI.get(port: port, "/healthz")
        #expect(health.0 == 503 && health.1.contains("host bits"), "\(health)")
        #expect(CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_registry_prefixes") == 31)

        // Drop SharePoint's 13.107.136.0/22 from the registry: its hijack in the capture is no longer ours.
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "  - prefix: 13.107.136.0/22"))
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("  - ") } ?? lines.count
        lines.removeSubrange(start..<end)
        try lines.joined(separator: "\n").write(toFile: "\(dir)/prefixes.yaml", atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        // A reload is done once its outcome is counted (after the new registry is in place and the sinks reopened;
        // until then /healthz still reports the failed one).
        #expect(CLI.wait(seconds: 10) {
            CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_reloads_total{result=\"ok\"}") == 1
        })
        #expect(CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_registry_prefixes") == 30)
        #expect(CLI.get(port: port, "/healthz").0 == 200)

        stdin.fileHandleForWriting.write(pcap.dropFirst(24))
        try stdin.fileHandleForWriting.close()
        #expect(CLI.wait(seconds: 60) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0)
        let events = CLI.lines("\(dir)/out.jsonl").map(CLI.json)
        #expect(events.count > 10)
        #expect(!events.contains { $0["prefix"] as? String == "13.107.136.0/22" && $0["type"] as? String == "origin-hijack" })
        #expect(events.contains { $0["prefix"] as? String == "40.107.5.0/24" && $0["type"] as? String == "subprefix-hijack" })
        #expect(CLI.read("\(dir)/daemon.err").contains("reload failed, keeping the running configuration"))
    }

    @Test("/alerts lists open alerts and /metrics counts the capture")
    func httpEndpoints() throws {
        let dir = CLI.temporaryDirectory("http")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = CLI.freePort()
        let stdin = Pipe()
        let notify = CLI.NotifySocket(path: "\(dir)/notify.sock")
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--registry", Self.registry, "--state-dir", "\(dir)/state", "--file", "-",
                                                              "--http", "127.0.0.1:\(port)", "--jsonl", "\(dir)/out.jsonl"],
                                   in: dir, name: "daemon", stdin: stdin, environment: ["NOTIFY_SOCKET": notify.path])
        defer { CLI.kill(daemon) }
        stdin.fileHandleForWriting.write(try #require(FileManager.default.contents(atPath: Self.demo)))
        #expect(CLI.wait(seconds: 30) { CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_frames_total") == 204 })
        let metrics = CLI.get(port: port, "/metrics").1
        #expect((CLI.metric(metrics, "bgpsentry_prefixes_announced_total") ?? 0) > 0)
        #expect(CLI.metric(metrics, "bgpsentry_bgp_messages_total{type=\"open\"}") ?? 0 >= 2)
        #expect(CLI.metric(metrics, "bgpsentry_alert_events_total{type=\"origin-hijack\",severity=\"critical\",status=\"firing\"}") ?? 0 >= 1)
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(CLI.get(port: port, "/alerts").1.utf8)) as? [[String: Any]])
        #expect(!alerts.isEmpty && alerts.allSatisfy { $0["status"] as? String == "firing" })
        #expect(CLI.get(port: port, "/nope").0 == 404)
        kill(daemon.processIdentifier, SIGTERM)
        #expect(CLI.wait(seconds: 30) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0)
        #expect(CLI.read("\(dir)/daemon.err").contains("shutting down"))
        // The systemd notify protocol: READY=1 with a STATUS line, then STOPPING=1 on SIGTERM.
        let said = notify.messages()
        #expect(said.first?.hasPrefix("READY=1\nSTATUS=") == true, "\(said)")
        #expect(said.contains("STOPPING=1"), "\(said)")
    }
}
