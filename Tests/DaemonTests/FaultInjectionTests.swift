import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults from outside: broken input, sinks that are down, signals at bad moments, a full disk, a capture
/// interface that disappears. The daemon must say what went wrong, keep running, and lose no alert.
@Suite("bgpsentry run under faults", .serialized, .enabled(if: CLI.ready, "needs the built bgpsentry binary and python3"))
struct FaultInjectionTests {
    static let demo = DaemonIntegrationTests.demo
    static let registry = DaemonIntegrationTests.registry

    static func delivered(_ path: String) -> [String] { DaemonIntegrationTests.delivered(path) }
    static func jsonlEvents(_ path: String) -> [String] { DaemonIntegrationTests.jsonlEvents(path) }

    @Test("a capture file cut off mid-record: the alerts before the cut, a clear error, exit status 1")
    func truncatedCapture() throws {
        let dir = CLI.temporaryDirectory("truncated")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try #require(FileManager.default.contents(atPath: Self.demo))
        let cut = "\(dir)/cut.pcap"
        _ = FileManager.default.createFile(atPath: cut, contents: bytes.prefix(bytes.count - 450))  // inside the last records, where the incidents are
        let binary = try #require(CLI.binary)
        let replay = try CLI.start(binary, ["replay", "--registry", Self.registry, "--format", "jsonl", cut], in: dir, name: "replay")
        replay.waitUntilExit()
        #expect(replay.terminationStatus == 1)
        #expect(CLI.read("\(dir)/replay.err").contains("truncated"), "\(CLI.read("\(dir)/replay.err"))")
        let before = Self.jsonlEvents("\(dir)/replay.out")
        let all = try DaemonIntegrationTests.replayEvents()
        #expect(!before.isEmpty && before.count < all.count)
        // The daemon reads the same file: the same alerts delivered, the error logged, a clean exit.
        let run = try CLI.start(binary, ["run", "--file", cut, "--registry", Self.registry, "--state-dir", "\(dir)/state",
                                         "--http", "off", "--jsonl", "\(dir)/out.jsonl"], in: dir, name: "run")
        #expect(CLI.wait(seconds: 60) { !run.isRunning })
        #expect(CLI.read("\(dir)/run.err").contains("truncated"), "\(CLI.read("\(dir)/run.err"))")
        #expect(Self.jsonlEvents("\(dir)/out.jsonl") == before)
    }

    @Test("syslog over TCP with nothing listening at first: retried, every event arrives once a listener is up")
    func syslogUnreachable() throws {
        let dir = CLI.temporaryDirectory("syslog-down")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = CLI.freePort()
        try """
            registry: \(Self.registry)
            stateDirectory: \(dir)/state
            http: { listen: "off" }
            sinks:
              - { name: log, type: syslog, url: "tcp://127.0.0.1:\(port)" }
            """.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", Self.demo,
                                                              "--drain-timeout", "60"], in: dir, name: "daemon")
        defer { CLI.kill(daemon) }
        #expect(CLI.wait(seconds: 30) { CLI.read("\(dir)/daemon.err").contains("delivery failed") })
        let listener = try CLI.start(try #require(CLI.python), ["-c", Self.tcpListener, String(port), "\(dir)/syslog.txt"], in: dir, name: "listener")
        defer { CLI.kill(listener) }
        #expect(CLI.wait(seconds: 90) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0, "\(CLI.read("\(dir)/daemon.err"))")
        let expected = try DaemonIntegrationTests.replayEvents()
        // RFC 6587 octet counting: every frame carries one event; each alert id appears in its frames.
        let text = CLI.read("\(dir)/syslog.txt")
        for id in Set(expected.map { String($0.split(separator: " ").last ?? "") }) {
            #expect(text.contains(id), "event of \(id) missing")
        }
    }

    /// Accepts TCP connections on 127.0.0.1:PORT and appends what arrives to FILE.
    static let tcpListener = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
        out = open(sys.argv[2], "ab", buffering=0)
        while True:
            c, _ = s.accept()
            while True:
                b = c.recv(65536)
                if not b: break
                out.write(b)
        """

    @Test("a storm of SIGHUPs while the capture flows: the daemon keeps running and delivers every event")
    func sighupStorm() throws {
        let dir = CLI.temporaryDirectory("hup-storm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = CLI.freePort()
        try """
            registry: \(Self.registry)
            stateDirectory: \(dir)/state
            http: { listen: "127.0.0.1:\(port)" }
            sinks:
              - { name: out, type: jsonl, path: \(dir)/out.jsonl }
            """.write(toFile: "\(dir)/bgpsentry.yaml", atomically: true, encoding: .utf8)
        let stdin = Pipe()
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--config", "\(dir)/bgpsentry.yaml", "--file", "-"], in: dir,
                                   name: "daemon", stdin: stdin)
        defer { CLI.kill(daemon) }
        let pcap = try #require(FileManager.default.contents(atPath: Self.demo))
        stdin.fileHandleForWriting.write(pcap.prefix(24))
        #expect(CLI.wait(seconds: 30) { CLI.get(port: port, "/healthz").0 == 200 }, "\(CLI.read("\(dir)/daemon.err"))")
        // 40 SIGHUPs 5 ms apart, interleaved with the capture's bytes.
        let body = pcap.dropFirst(24)
        let chunk = body.count / 40 + 1
        for i in 0..<40 {
            kill(daemon.processIdentifier, SIGHUP)
            let start = body.startIndex + i * chunk
            if start < body.endIndex { stdin.fileHandleForWriting.write(body[start..<min(start + chunk, body.endIndex)]) }
            usleep(5_000)
        }
        #expect(CLI.wait(seconds: 30) {
            (CLI.metric(CLI.get(port: port, "/metrics").1, "bgpsentry_reloads_total{result=\"ok\"}") ?? 0) >= 1
        })
        #expect(daemon.isRunning)
        #expect(CLI.get(port: port, "/healthz").0 == 200)
        try stdin.fileHandleForWriting.close()
        #expect(CLI.wait(seconds: 60) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0, "\(CLI.read("\(dir)/daemon.err"))")
        #expect(Self.jsonlEvents("\(dir)/out.jsonl") == (try DaemonIntegrationTests.replayEvents()))
    }

    @Test("SIGTERM while a slow webhook is being delivered to: a bounded drain, then a restart delivers the rest")
    func sigtermDuringDelivery() throws {
        let dir = CLI.temporaryDirectory("term")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (slow, port) = try CLI.receiver(in: dir, name: "hook", extra: ["--delay", "0.4"])
        let binary = try #require(CLI.binary)
        let common = ["--registry", Self.registry, "--state-dir", "\(dir)/state", "--http", "off", "--webhook", "http://127.0.0.1:\(port)/"]
        // The capture comes through a pipe left open, so only the signal ends the run.
        let stdin = Pipe()
        let first = try CLI.start(binary, ["run", "--file", "-", "--drain-timeout", "1"] + common, in: dir, name: "run1", stdin: stdin)
        let pcap = try #require(FileManager.default.contents(atPath: Self.demo))
        DispatchQueue.global().async { stdin.fileHandleForWriting.write(pcap) }
        defer { try? stdin.fileHandleForWriting.close() }
        #expect(CLI.wait(seconds: 30) { !Self.delivered("\(dir)/hook.jsonl").isEmpty })
        let sent = Date()
        kill(first.processIdentifier, SIGTERM)
        #expect(CLI.wait(seconds: 15) { !first.isRunning })
        #expect(Date().timeIntervalSince(sent) < 10, "drain took longer than its timeout allows")
        CLI.kill(slow)
        let partial = Self.delivered("\(dir)/hook.jsonl")
        let expected = try DaemonIntegrationTests.replayEvents()
        #expect(partial.count < expected.count, "the slow sink should not have had time for everything")

        let (fast, _) = try CLI.receiver(in: dir, name: "hook", port: port)
        defer { CLI.kill(fast) }
        let empty = "\(dir)/empty.pcap"
        _ = FileManager.default.createFile(atPath: empty, contents: (FileManager.default.contents(atPath: Self.demo) ?? Data()).prefix(24))
        let second = try CLI.start(binary, ["run", "--file", empty] + common, in: dir, name: "run2")
        #expect(CLI.wait(seconds: 60) { !second.isRunning })
        #expect(Set(Self.delivered("\(dir)/hook.jsonl")) == Set(expected), "every event delivered across the restart")
    }
}

/// Faults that need root: a tmpfs that fills up under the journal, a capture interface deleted under the
/// daemon (in a network namespace of the test's own). `.ci/run` runs as root; elsewhere they skip.
@Suite("bgpsentry run under faults that need root", .serialized, .enabled(if: RootFaults.missing == nil, "\(RootFaults.missing ?? "")"))
struct RootFaultTests {
    @Test("journal on a full disk: every alert still reaches the sink; the error is logged, counted and in /healthz")
    func journalDiskFull() throws {
        let dir = CLI.temporaryDirectory("diskfull")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = "\(dir)/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(RootFaults.sh("mount -t tmpfs -o size=1m bgpsentry-test \(state)") == 0)
        defer { _ = RootFaults.sh("umount \(state)") }
        let port = CLI.freePort()
        let stdin = Pipe()
        let daemon = try CLI.start(try #require(CLI.binary), ["run", "--file", "-", "--registry", DaemonIntegrationTests.registry,
                                                              "--state-dir", state, "--http", "127.0.0.1:\(port)",
                                                              "--jsonl", "\(dir)/out.jsonl"], in: dir, name: "daemon", stdin: stdin)
        defer { CLI.kill(daemon) }
        let pcap = try #require(FileManager.default.contents(atPath: DaemonIntegrationTests.demo))
        stdin.fileHandleForWriting.write(pcap.prefix(24))
        #expect(CLI.wait(seconds: 30) { CLI.get(port: port, "/healthz").0 == 200 }, "\(CLI.read("\(dir)/daemon.err"))")
        // The disk fills up while the daemon runs.
        RootFaults.sh("dd if=/dev/zero of=\(state)/filler bs=4k 2>/dev/null")
        stdin.fileHandleForWriting.write(pcap.dropFirst(24))
        let expected = try DaemonIntegrationTests.replayEvents()
        #expect(CLI.wait(seconds: 60) { FaultInjectionTests.jsonlEvents("\(dir)/out.jsonl").count == expected.count })
        #expect(FaultInjectionTests.jsonlEvents("\(dir)/out.jsonl") == expected)
        let metrics = CLI.get(port: port, "/metrics").1
        #expect((CLI.metric(metrics, "bgpsentry_journal_write_errors_total") ?? 0) > 0, "\(metrics)")
        let health = CLI.get(port: port, "/healthz")
        #expect(health.0 == 503 && health.1.contains("No space left on device"), "\(health)")
        #expect(CLI.read("\(dir)/daemon.err").contains("cannot append to the journal"))
        #expect(daemon.isRunning)
        try stdin.fileHandleForWriting.close()
        #expect(CLI.wait(seconds: 30) { !daemon.isRunning })
    }

    @Test("the capture interface is deleted: clear error, /healthz degraded, capture resumes when it is back")
    func interfaceDisappears() throws {
        let dir = CLI.temporaryDirectory("ifdown")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ns = "bgpsentry-fault-\(getpid())"
        let veth = "ip -n \(ns) link add fa0 type veth peer name fb0 && ip -n \(ns) link set fa0 up && ip -n \(ns) link set fb0 up"
        #expect(RootFaults.sh("ip netns add \(ns) && ip -n \(ns) link set lo up && \(veth)") == 0)
        defer { _ = RootFaults.sh("ip netns del \(ns)") }
        let port = 9179
        let daemon = try CLI.start("/bin/sh", ["-c", "exec ip netns exec \(ns) \(try #require(CLI.binary)) run --interface fa0 --registry \(DaemonIntegrationTests.registry) --state-dir \(dir)/state --http 127.0.0.1:\(port) --jsonl \(dir)/out.jsonl"],
                                   in: dir, name: "daemon")
        defer { CLI.kill(daemon) }
        #expect(CLI.wait(seconds: 30) { RootFaults.get(ns, port, "/healthz").0 == 200 }, "\(CLI.read("\(dir)/daemon.err"))")

        #expect(RootFaults.sh("ip -n \(ns) link del fa0") == 0)
        #expect(CLI.wait(seconds: 30) { RootFaults.get(ns, port, "/healthz").0 == 503 }, "\(CLI.read("\(dir)/daemon.err"))")
        let degraded = RootFaults.get(ns, port, "/healthz").1
        #expect(degraded.contains("fa0") && degraded.contains("\"error\""), "\(degraded)")
        #expect(CLI.wait(seconds: 10) { CLI.read("\(dir)/daemon.err").contains("reopening fa0") }, "\(CLI.read("\(dir)/daemon.err"))")
        #expect(daemon.isRunning)

        #expect(RootFaults.sh(veth) == 0)
        #expect(CLI.wait(seconds: 30) { RootFaults.get(ns, port, "/healthz").0 == 200 }, "\(CLI.read("\(dir)/daemon.err"))")
    }
}

enum RootFaults {
    static var missing: String? {
        if geteuid() != 0 { return "fault tests with a full tmpfs and a deleted interface need root; .ci/run runs them as root" }
        if !CLI.ready { return "needs the built bgpsentry binary and python3" }
        if !LiveCapture.canCreateNamespace { return "this machine does not allow network namespaces (ip netns add failed)" }
        return nil
    }

    @discardableResult
    static func sh(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// GET on the namespace's loopback (python3 inside the namespace): (status, body), status 0 when refused.
    static func get(_ ns: String, _ port: Int, _ path: String) -> (Int, String) {
        let script = """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen("http://127.0.0.1:\(port)\(path)", timeout=2); print(r.status); print(r.read().decode())
            except urllib.error.HTTPError as e:
                print(e.code); print(e.read().decode())
            except Exception:
                print(0)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec ip netns exec \(ns) python3 -c '\(script)'"]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return (0, "") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.prefix { $0 != "\n" }) ?? 0
        return (status, String(text.drop { $0 != "\n" }))
    }
}
