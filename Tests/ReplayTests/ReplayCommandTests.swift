import Foundation
import Testing

/// Runs `bgpsentry` as a user would, on captures recorded from real BGP speakers (bgpgen, BIRD → GoBGP).
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL? {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bgpsentry"),
            Bundle.main.bundleURL.appendingPathComponent("bgpsentry"),
            packageRoot.appendingPathComponent(".build/debug/bgpsentry"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        guard let executable = binary else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `status type prefix reason` per JSON-lines event.
    static func events(_ jsonl: String) throws -> [String] {
        try jsonl.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return [o["status"], o["type"], o["prefix"], o["reason"]].map { v in
                (v as? String) ?? "-"
            }.joined(separator: " ")
        }
    }
}

@Suite("bgpsentry replay on real-speaker captures", .enabled(if: CLI.binary != nil, "bgpsentry binary not built"))
struct ReplayCommandTests {
    static let demo = "Tests/Fixtures/demo/demo.pcap"

    @Test("the demo capture raises every scenario incident, and resolves the restored one once")
    func demo() throws {
        let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", Self.demo])
        #expect(r.status == 0, "\(r.stderr)")
        let events = try CLI.events(r.stdout)
        let firing = Set(events.filter { $0.hasPrefix("firing") })
        #expect(firing == [
            "firing origin-hijack 13.107.136.0/22 -", "firing subprefix-hijack 40.107.5.0/24 -",
            "firing route-leak 13.107.18.10/31 -", "firing more-specific 20.190.130.0/25 -",
            "firing unexpected-prefix 100.64.0.0/16 -", "firing squat 192.0.2.128/25 -",
            "firing path-hijack 13.107.6.152/31 -", "firing suboptimal-path 203.0.113.0/24 -",
            "firing origin-hijack 2603:1006::/40 -", "firing withdrawn 52.96.0.0/14 -", "firing session-down - -",
        ])
        #expect(events.filter { $0 == "resolved origin-hijack 2603:1006::/40 replaced" }.count == 1)
        // Negatives in the same capture: prepending, a legitimate more-specific, partner customer routes.
        #expect(!r.stdout.contains("2a01:111:f400::/48") && !r.stdout.contains("13.107.130.0/24"))
        #expect(!r.stdout.contains("\"198.51.100.0/24\""))
        // Every firing event carries its evidence: capture position and the UPDATE bytes.
        for line in r.stdout.split(separator: "\n") where line.contains("\"status\":\"firing\"") {
            #expect(line.contains("\"evidence\":{\"source\":\"\(Self.demo)\",\"frame\":"))
            #expect(line.contains("\"update\":\"ffffffffffffffffffffffffffffffff"))
        }
        #expect(r.stderr.contains("open at end: 2"))
    }

    @Test("the clean capture raises nothing but the final session-down")
    func clean() throws {
        let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", "Tests/Fixtures/demo/clean.pcap"])
        #expect(r.status == 0)
        #expect(try CLI.events(r.stdout) == ["firing session-down - -"])
    }

    @Test("two replays give byte-identical output")
    func deterministic() throws {
        let a = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", Self.demo])
        let b = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", Self.demo])
        #expect(!a.stdout.isEmpty && a.stdout == b.stdout)
        let t1 = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "text", Self.demo])
        let t2 = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "text", Self.demo])
        #expect(t1.stdout == t2.stdout && t1.stdout.contains("FIRING critical origin-hijack 13.107.136.0/22"))
    }

    /// Several inputs: each alert's evidence names the file it fired in (replay's parse thread is told each new
    /// source), in reading order.
    @Test("two inputs: evidence names the file each alert fired in, in order")
    func twoInputs() throws {
        let clean = "Tests/Fixtures/demo/clean.pcap"
        func sources(_ inputs: [String]) throws -> [String] {
            let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl"] + inputs)
            // Firing events: their evidence is where they fired (a later resolution keeps the firing's evidence).
            return r.stdout.split(separator: "\n").compactMap { line -> String? in
                guard line.contains("\"status\":\"firing\""), let start = line.range(of: "\"source\":\"") else { return nil }
                return String(line[start.upperBound...].prefix { $0 != "\"" })
            }
        }
        let both = try sources([clean, Self.demo])
        let cleanAlone = try sources([clean])
        #expect(!cleanAlone.isEmpty && cleanAlone.allSatisfy { $0 == clean })
        // The first file's alerts are those it raises alone; every later one names the second file.
        #expect(both == cleanAlone + Array(repeating: Self.demo, count: both.count - cleanAlone.count), "\(both)")
        #expect(both.count > cleanAlone.count)
    }

    @Test("exit codes: 3 at --fail-on, 0 below it, 1 unreadable input or registry, 2 usage")
    func exitCodes() throws {
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--fail-on", "critical", Self.demo]).status == 3)
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--fail-on", "critical",
                             "Tests/Fixtures/demo/clean.pcap"]).status == 0)
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--fail-on", "warning",
                             "Tests/Fixtures/demo/clean.pcap"]).status == 3)
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml", "/nonexistent.pcap"]).status == 1)
        #expect(try CLI.run(["replay", "--registry", "/nonexistent.yaml", Self.demo]).status == 1)
        // Data sets load while the capture is read: one that fails stops the replay before any event.
        let badROA = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-bad-roa-\(getpid()).json")
        try Data(#"{"roas": [{"asn": 64500, "prefix": "192.0.2.0/33", "maxLength": 24}]}"#.utf8).write(to: badROA)
        defer { try? FileManager.default.removeItem(at: badROA) }
        for dataSet in [["--rpki", badROA.path], ["--as-rel", "/nonexistent.txt"]] {
            let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl"] + dataSet + [Self.demo])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(dataSet): \(r.status) \(r.stdout.prefix(200))")
            #expect(r.stderr.contains("invalid data set") && !r.stderr.contains("replay summary"), "\(r.stderr)")
        }
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml"]).status == 2)
        #expect(try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--fail-on", "sometimes", Self.demo]).status == 2)
    }

    @Test("check-config: summary and 0, or located errors and 1")
    func checkConfig() throws {
        let ok = try CLI.run(["check-config", "--registry", "config/prefixes.yaml"])
        #expect(ok.status == 0 && ok.stdout.contains("OK — 31 prefixes"))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(getpid()).yaml")
        try "prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n    maxLength: 20\n".write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        let r = try CLI.run(["check-config", "--registry", bad.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(":4: prefixes[0].maxLength: maxLength 20 is shorter than the prefix length 24"))
    }

    static let malformedCapture = CLI.packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/pcap-malformed/bgp-aigp-oobr.pcap").path

    /// Replay counts only what is wrong with each UPDATE (the engine counts routes); its summary must list the
    /// same malformed UPDATEs as `decode`'s full tally of the same capture (which adds the treat-as-withdraw count).
    @Test("replay reports malformed UPDATEs as decode does",
          .enabled(if: FileManager.default.fileExists(atPath: malformedCapture), "../shared/corpus not found"))
    func malformedSummary() throws {
        func malformedLine(_ r: CLI.Result) -> String? {
            r.stderr.split(separator: "\n").first { $0.hasPrefix("malformed: ") }.map(String.init)
        }
        let replay = try CLI.run(["replay", "--registry", "config/prefixes.yaml", Self.malformedCapture])
        let decode = try CLI.run(["decode", "--format", "summary", Self.malformedCapture])
        let line = try #require(malformedLine(replay))
        #expect(line.contains("UPDATE treat-as-withdraw attributeOverrun 112"), "\(line)")
        #expect(malformedLine(decode)?.hasPrefix(line) == true, "decode: \(malformedLine(decode) ?? "none")")
    }

    @Test("decode summary on the demo capture")
    func decodeSummary() throws {
        let r = try CLI.run(["decode", "--format", "summary", Self.demo])
        #expect(r.status == 0 && r.stderr.contains("malformed: none"))
    }
}

@Suite("Route leaks on a real BIRD session with the BGP Role capability", .enabled(if: CLI.binary != nil, "bgpsentry binary not built"))
struct LeakReplayTests {
    static let capture = "Tests/Fixtures/leaks/leaks.pcap"

    static func leaks(_ jsonl: String) throws -> [String] {
        try jsonl.split(separator: "\n").compactMap { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard o["status"] as? String == "firing" else { return nil }
            let leaker = (o["leakerASN"] as? NSNumber).map { "\($0)" } ?? "-"
            return "\(o["type"] as? String ?? "") \(o["prefix"] as? String ?? "-") \(o["method"] as? String ?? "-") \(leaker)"
        }
    }

    @Test("OTC from our customer and a valley deeper in the path, each with its leaker")
    func withRelationships() throws {
        let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--as-rel", "Tests/Fixtures/leaks/leaks.as-rel.txt",
                             "--format", "jsonl", Self.capture])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Set(Self.leaks(r.stdout)) == [
            "route-leak 40.107.0.0/16 otc 4200000001",
            "route-leak 52.96.0.0/14 valley-free 174",
            "session-down - - -",
        ])
    }

    @Test("without the relationships file only the OTC method can judge")
    func withoutRelationships() throws {
        let r = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", Self.capture])
        #expect(try Set(Self.leaks(r.stdout)) == ["route-leak 40.107.0.0/16 otc 4200000001", "session-down - - -"])
    }
}

@Suite("RPKI origin validation on the demo capture", .enabled(if: CLI.binary != nil, "bgpsentry binary not built"))
struct RPKIReplayTests {
    @Test("hijacked registered prefixes are also RPKI Invalid; SLURM filters remove a ROA")
    func rpkiInvalid() throws {
        let base = ["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", "--rpki", "Tests/Fixtures/rpki/vrps.json"]
        let r = try CLI.run(base + [ReplayCommandTests.demo])
        #expect(r.status == 0, "\(r.stderr)")
        let invalid = Set(try CLI.events(r.stdout).filter { $0.hasPrefix("firing rpki-invalid") })
        #expect(invalid == ["firing rpki-invalid 13.107.136.0/22 -", "firing rpki-invalid 40.107.5.0/24 -",
                            "firing rpki-invalid 192.0.2.128/25 -"])
        // Counted on the capture side while the engine sees only watched routes (FeedPipeline's UpdateTriage):
        // every announced prefix of the demo, 2,364, once.
        #expect(r.stderr.contains("RPKI (RFC 6811) over every announced prefix: valid 3, invalid 3, not-found 2358"), "\(r.stderr)")
        let filtered = try CLI.run(base + ["--slurm", "Tests/Fixtures/rpki/local.slurm", ReplayCommandTests.demo])
        #expect(!filtered.stdout.contains("\"type\":\"rpki-invalid\",\"severity\":\"major\",\"prefix\":\"40.107.5.0/24\""))
        #expect(try CLI.run(["check-config", "--rpki", "Tests/Fixtures/rpki/vrps.json", "--slurm", "Tests/Fixtures/rpki/local.slurm"]).status == 0)
    }
}
