import BGPWire
import Detection
import Foundation
import Testing

@Suite("Registry loading and validation")
struct RegistryTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the shipped example registry loads")
    func exampleLoads() throws {
        let r = try RegistryLoader.load(path: Self.packageRoot.appendingPathComponent("config/prefixes.yaml").path)
        #expect(r.prefixes.count == 31)
        #expect(r.monitoredASNs == [8075])
        #expect(r.partners[64500]?.customers == [64501, 64502])
        #expect(r.entry(covering: IPPrefix("52.97.1.0/24")!)?.prefix == IPPrefix("52.96.0.0/14"))
        #expect(r.entry(covering: IPPrefix("2603:1006:10::/48")!)?.prefix == IPPrefix("2603:1006::/40"))
        #expect(r.entry(covering: IPPrefix("8.8.8.0/24")!) == nil)
    }

    @Test("every mistake is named with file, line and field", arguments: [
        ("prefixes:\n  - prefix: 10.0.0.0/33\n    origins: [1]\n", "p.yaml:2: prefixes[0].prefix: 10.0.0.0/33 is not an IPv4 or IPv6 prefix"),
        ("prefixes:\n  - prefix: 10.0.0.1/24\n    origins: [1]\n", "p.yaml:2: prefixes[0].prefix: 10.0.0.1/24 has host bits set beyond its length"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n    maxLength: 20\n",
         "p.yaml:4: prefixes[0].maxLength: maxLength 20 is shorter than the prefix length 24"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n    maxLength: 33\n", "p.yaml:4: prefixes[0].maxLength: maxLength 33 is longer than 32"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n    colour: red\n",
         "p.yaml:4: prefixes[0].colour: unknown key (expected one of: description, group, maxLength, maxPathLength, origins, partner, prefix, upstreams)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n  - prefix: 10.0.0.0/24\n    origins: [2]\n",
         "p.yaml:4: prefixes[1].prefix: duplicate prefix 10.0.0.0/24 (first at line 2)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1]\n    partner: 64500\n",
         "p.yaml:4: prefixes[0].partner: partner AS64500 is not declared under partners"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [AS-x]\n", "p.yaml:3: prefixes[0].origins[0]: AS-x is not an AS number (0…4294967295)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [1, 4294967296]\n",
         "p.yaml:3: prefixes[0].origins[1]: 4294967296 is not an AS number (0…4294967295)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [12345678901]\n",
         "p.yaml:3: prefixes[0].origins[0]: 12345678901 is not an AS number (0…4294967295)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n    origins: [-1]\n", "p.yaml:3: prefixes[0].origins[0]: -1 is not an AS number (0…4294967295)"),
        ("prefixes:\n  - prefix: 10.0.0.0/24\n", "p.yaml:2: prefixes[0].origins: missing (use [] for a prefix that must never be announced)"),
        ("version: 2\nprefixes: []\n", "p.yaml:1: version: unsupported version 2 (this build reads 1)"),
        ("prefixes: [\n", "p.yaml:"),
    ])
    func errors(yaml: String, expected: String) {
        do {
            _ = try RegistryLoader.parse(yaml, file: "p.yaml")
            Issue.record("accepted an invalid registry")
        } catch {
            #expect(error.errors.contains { $0.description.hasPrefix(expected) }, "\(error.errors)")
        }
    }

    /// A registry with mistakes in several sections and entries, partners declared `partnersFirst` or after the
    /// prefixes; `header` goes first (a YAML tag there sends the whole file to Yams instead of the fast reader).
    static func mixedRegistry(partnersFirst: Bool, header: String = "") -> String {
        let partners = "partners:\n  - asn: 64500\n    name: P\n  - asn: x\n"
        let prefixes = """
            prefixes:
              - prefix: 192.0.2.0/24
                origins: [64500]
                partner: 64500
              - prefix: 192.0.2.0/24
                origins: [1]
              - prefix: 198.51.100.0/24
                origins: [1, AS-x]
                colour: red
                maxLength: 20
              - prefix: 203.0.113.0/24
                origins: [2]
                partner: 64511
              - prefix: 2001:db8::/32
                origins: [3]
                upstreams: [7, 5]
                maxLength: 48
                group: g
                description: d
                maxPathLength: 4

            """
        return header + "version: 1\n" + (partnersFirst ? partners + prefixes : prefixes + partners)
    }

    @Test("prefix entries read as they stream in are judged as the whole tree is", arguments: [true, false])
    func streamedLikeTree(partnersFirst: Bool) throws {
        func errors(_ text: String) -> [String] {
            do {
                _ = try RegistryLoader.parse(text, file: "p.yaml")
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        let streamed = errors(Self.mixedRegistry(partnersFirst: partnersFirst))
        let viaYams = errors(Self.mixedRegistry(partnersFirst: partnersFirst, header: "monitoredASNs: !!seq []\n"))
        #expect(streamed.count == 6, "\(streamed)")
        // Same messages in the same order, their line numbers one up (the header line).
        func oneLineUp(_ message: String) -> String {
            var out = message
            for marker in ["p.yaml:", "first at line "] {
                guard let m = out.range(of: marker),
                      let r = out[m.upperBound...].range(of: #"^\d+"#, options: .regularExpression), let n = Int(out[r])
                else { continue }
                out.replaceSubrange(r, with: "\(n - 1)")
            }
            return out
        }
        #expect(streamed == viaYams.map(oneLineUp))
        #expect(streamed.contains { $0.contains("prefixes[1].prefix: duplicate prefix 192.0.2.0/24") })
        #expect(streamed.contains { $0.contains("prefixes[3].partner: partner AS64511 is not declared") })
        #expect(!streamed.contains { $0.contains("prefixes[0].partner") })  // AS64500 is declared, before or after
    }

    @Test("partners declared after the prefixes, and a file the fast reader gives up on half-way, load whole")
    func streamedEntriesLoadOnce() throws {
        let valid = "prefixes:\n  - prefix: 192.0.2.0/24\n    origins: [64500]\n    partner: 64500\n"
            + "  - prefix: 2001:db8::/32\n    origins: [3]\n    upstreams: [7, 5]\n"
            + "partners:\n  - asn: 64500\n    name: P\n"
        let r = try RegistryLoader.parse(valid, file: "p.yaml")
        #expect(r.prefixes.map(\.prefix) == [IPPrefix("192.0.2.0/24")!, IPPrefix("2001:db8::/32")!])
        #expect(r.prefixes[0].partner == 64500 && r.prefixes[1].upstreams == [5, 7] && r.prefixes[0].line == 2)
        // The third entry has a tag the fast reader leaves to Yams, after two entries were handed over.
        let late = "prefixes:\n  - prefix: 192.0.2.0/24\n    origins: [1]\n"
            + "  - prefix: 198.51.100.0/24\n    origins: [2]\n"
            + "  - prefix: 203.0.113.0/24\n    origins: [3]\n    group: !!str g\n"
        let y = try RegistryLoader.parse(late, file: "p.yaml")
        #expect(y.prefixes.count == 3 && y.prefixes[2].group == "g")
    }

    @Test("monitored origins: a few are kept as a list, many as a set; both answer the same", arguments: [0, 1, 3, 8, 9, 40])
    func monitored(count: Int) {
        let asns = Set((0..<count).map { ASN(64_496 + $0 * 7) })
        let r = Registry(monitoredASNs: asns, prefixes: [])
        for asn in ASN(64_490)..<ASN(64_496 + 7 * 41) {
            #expect(r.isMonitored(asn) == asns.contains(asn), "AS\(asn)")
        }
        #expect(!r.isMonitored(nil))
    }

    @Test("ASNs may be written AS64500; origins [] means must stay dark")
    func spellings() throws {
        let r = try RegistryLoader.parse("prefixes:\n  - prefix: 192.0.2.0/24\n    origins: []\n  - prefix: 198.51.100.0/24\n    origins: [AS64501]\n", file: "p.yaml")
        #expect(r.prefixes[0].origins.isEmpty && r.prefixes[1].origins == [64501])
        #expect(r.prefixes[1].maxLength == 24)
        let forms = try RegistryLoader.parse(
            "prefixes:\n  - prefix: 192.0.2.0/24\n    origins: [0, 4294967295, 08075, as8075, AS4200000001, +5]\n", file: "p.yaml")
        #expect(forms.prefixes[0].origins == [0, 5, 8075, 8075, 4_200_000_001, 4_294_967_295])  // kept sorted
    }
}

@Suite("Longest-prefix-match tries")
struct TrieTests {
    /// Deterministic pseudo-random prefixes (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Where `bruteForce` draws its prefixes from.
    enum Spread: CaseIterable, Sendable {
        /// IPv4 in three /8s, /8 to /32: prefixes overlap often.
        case ipv4
        /// IPv4 anywhere, /8 to /32, one in eight shorter than /16: most /16s and /24s hold no registered prefix
        /// — what the /16 and /24 filters must get right.
        case ipv4Sparse
        /// IPv4 /25 to /32 in 10.0.0.0/16: /24s that hold registered prefixes but not every address.
        case ipv4Long
        /// IPv6 in four /20s (the IPv6 filter's unit), /12 to /64: prefixes share /20s and span several.
        case ipv6Clustered
        /// IPv6 over 65,536 /20s, /12 to /64: most /20s hold no registered prefix, some only a short one
        /// covering them — what the /20 filter must get right.
        case ipv6Sparse
        /// IPv6 /20 to /44 in 1,024 /20s: most /20s are marked and the /28 level decides — exactly up to /28, by the
        /// trie after it.
        case ipv6Fine
    }

    @Test("matches a brute-force scan on random prefixes", arguments: Spread.allCases)
    func bruteForce(spread: Spread) {
        var rng = Random(state: UInt64(Spread.allCases.firstIndex(of: spread) ?? 0) + 1)
        func randomPrefix() -> IPPrefix {
            switch spread {
            case .ipv4:
                let a = UInt32(10 + rng.next() % 3) << 24 | UInt32(truncatingIfNeeded: rng.next()) & 0x00FF_FFFF
                return .v4(IPv4Prefix(address: IPv4Address(a), length: UInt8(8 + rng.next() % 25))!)
            case .ipv4Sparse:
                let length = rng.next() % 8 == 0 ? 8 + rng.next() % 8 : 16 + rng.next() % 17
                return .v4(IPv4Prefix(address: IPv4Address(UInt32(truncatingIfNeeded: rng.next())), length: UInt8(length))!)
            case .ipv4Long:
                let a = 0x0A00_0000 | UInt32(truncatingIfNeeded: rng.next()) & 0xFFFF
                return .v4(IPv4Prefix(address: IPv4Address(a), length: UInt8(25 + rng.next() % 8))!)
            case .ipv6Clustered:
                let h = 0x2001_0db8_0000_0000 | (rng.next() % 4) << 44 | (rng.next() & 0x0000_0000_00FF_FFFF)
                return .v6(IPv6Prefix(address: IPv6Address(high: h, low: rng.next()), length: UInt8(12 + rng.next() % 53))!)
            case .ipv6Sparse:
                let h = 0x2000_0000_0000_0000 | (rng.next() % 65536) << 44 | (rng.next() & 0x0000_0FFF_FFFF_FFFF)
                // One in eight shorter than /20.
                let length = rng.next() % 8 == 0 ? 12 + rng.next() % 8 : 20 + rng.next() % 45
                return .v6(IPv6Prefix(address: IPv6Address(high: h, low: rng.next()), length: UInt8(length))!)
            case .ipv6Fine:
                let h = 0x2001_0000_0000_0000 | (rng.next() % 1024) << 44 | (rng.next() & 0x0000_0FFF_FFFF_FFFF)
                return .v6(IPv6Prefix(address: IPv6Address(high: h, low: 0), length: UInt8(20 + rng.next() % 25))!)
            }
        }
        let registered = Array(Set((0..<2000).map { _ in randomPrefix() })).sorted()
        let index = PrefixIndex(registered)
        func covers(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
            switch (a, b) {
            case (.v4(let x), .v4(let y)): x.contains(y)
            case (.v6(let x), .v6(let y)): x.contains(y)
            default: false
            }
        }
        var relatedQueries = 0
        for _ in 0..<3000 {
            let q = randomPrefix()
            let expectedLPM = registered.indices.filter { covers(registered[$0], q) }.max { registered[$0].length < registered[$1].length }
            #expect(index.longestMatch(q).map(Int.init) == expectedLPM, "LPM \(q)")
            let related = registered.contains { covers($0, q) || covers(q, $0) }
            #expect(index.relates(q) == related, "relates \(q)")
            if related { relatedQueries += 1 }
            let inside = Set(registered.indices.filter { covers(q, registered[$0]) })
            #expect(Set(index.covered(by: q).map(Int.init)) == inside, "covered by \(q)")
        }
        if spread != .ipv4 && spread != .ipv6Clustered {
            #expect((300...2700).contains(relatedQueries),
                    "the filters are checked with related and unrelated queries: \(relatedQueries) related")
        }
    }
}
