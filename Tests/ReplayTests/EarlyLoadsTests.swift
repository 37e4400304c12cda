@testable import bgpsentry
import Testing

/// `replay` starts loading its registry and data sets before the command line is parsed (`EarlyLoads`): what it
/// reads from the arguments, and that any command line it reads differently still replays as parsed.
@Suite("replay's early registry and data-set loads")
struct EarlyLoadsTests {
    @Test("the files of a replay command line, in both option forms; nothing for other commands")
    func paths() throws {
        let p = try #require(EarlyLoads.paths(in: ["bgpsentry", "replay", "--registry", "r.yaml", "--format", "jsonl",
                                                   "--rpki=v.json", "--as-rel", "a.txt", "--slurm=s.json", "c.pcap"]))
        #expect(p == EarlyLoads.Paths(registry: "r.yaml", asRel: "a.txt", rpki: "v.json", slurm: "s.json"))
        let equals = try #require(EarlyLoads.paths(in: ["bgpsentry", "replay", "--registry=r.yaml", "c.pcap"]))
        #expect(equals == EarlyLoads.Paths(registry: "r.yaml"))
        #expect(EarlyLoads.paths(in: ["bgpsentry", "check-config", "--registry", "r.yaml"]) == nil)
        #expect(EarlyLoads.paths(in: ["bgpsentry"]) == nil)
    }

    @Test("an option given twice, one after --, or without its value is left to the parser")
    func leftToTheParser() throws {
        let twice = try #require(EarlyLoads.paths(in: ["bgpsentry", "replay", "--registry", "a.yaml",
                                                       "--registry=b.yaml", "c.pcap"]))
        #expect(twice.registry == nil)
        let afterTerminator = try #require(EarlyLoads.paths(in: ["bgpsentry", "replay", "--", "--registry", "a.yaml"]))
        #expect(afterTerminator.registry == nil)
        let dangling = try #require(EarlyLoads.paths(in: ["bgpsentry", "replay", "c.pcap", "--registry"]))
        #expect(dangling.registry == nil)
    }

    @Test("a command line read differently early still replays the registry the parser chose",
          .enabled(if: CLI.binary != nil, "bgpsentry binary not built"))
    func differentReadings() throws {
        let base = ["replay", "--format", "jsonl", ReplayCommandTests.demo]
        let plain = try CLI.run(base + ["--registry", "config/prefixes.yaml"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.isEmpty)
        for variant in [["--registry=config/prefixes.yaml"],
                        ["--registry", "/nonexistent/prefixes.yaml", "--registry", "config/prefixes.yaml"]] {
            let r = try CLI.run(base + variant)
            #expect(r.status == 0, "\(variant): \(r.stderr)")
            #expect(r.stdout == plain.stdout, "\(variant)")
        }
        let missing = try CLI.run(base + ["--registry", "/nonexistent/prefixes.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/prefixes.yaml"))
    }
}
