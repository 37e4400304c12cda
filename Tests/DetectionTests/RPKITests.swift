import BGPWire
@testable import Detection
import Testing

@Suite("RPKI: payload loaders, SLURM, RFC 6811 origin validation")
struct RPKITests {
    static let rpkiClient = """
        {"metadata": {"buildtime": "2026-11-25T00:00:00Z"},
         "roas": [
          {"asn": 8075, "prefix": "13.107.0.0/16", "maxLength": 24, "ta": "arin", "expires": 1800000000},
          {"asn": 0, "prefix": "192.0.2.0/24", "maxLength": 32, "ta": "arin", "expires": 1800000000},
          {"asn": 64500, "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe", "expires": 1800000000}
         ],
         "aspas": [{"customer_asid": 64501, "expires": 1800000000, "providers": [64500, 3356]}]}
        """

    static let routinator = """
        {"roas": [{"asn": "AS8075", "prefix": "13.107.0.0/16", "maxLength": 24, "ta": "arin"}],
         "aspas": [{"customer": "AS64501", "providers": ["AS64500"]}]}
        """

    func data(_ json: String = rpkiClient) throws -> RPKIData {
        let (vrps, aspas) = try RPKILoader.parsePayloads(json, file: "vrps.json")
        return RPKIData(source: "vrps.json", vrps: vrps, aspas: aspas)
    }

    @Test("rpki-client and Routinator formats load, ASNs as numbers or AS strings")
    func formats() throws {
        let a = try data()
        #expect(a.vrpCount == 3 && a.aspas[64501] == [64500, 3356])
        let b = try data(Self.routinator)
        #expect(b.vrpCount == 1 && b.aspas[64501] == [64500])
        // A customer listed twice (two trust anchors) authorises the providers of both records.
        let twice = try data(#"{"roas": [], "aspas": [{"customer_asid": 64501, "providers": [64500]},"#
                             + #" {"customer_asid": 64502, "providers": [1]}, {"customer_asid": 64501, "providers": [3356]}]}"#)
        #expect(twice.aspas[64501] == [64500, 3356] && twice.aspas[64502] == [1] && twice.aspas.count == 2)
    }

    /// ROA objects as rpki-client, Routinator or a hand-edited file may write them, with the VRP each must
    /// give — or the start of the mistake reported. The plain ones take the one-pass reader (`FastROA`), the
    /// others the general one; both must agree on what the object means.
    static let roaObjects: [(json: String, vrp: VRP?, error: String?)] = {
        let v4 = IPPrefix("192.0.2.0/24")!
        return [
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "ripe", "expires": 1800000000}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn":64500,"prefix":"192.0.2.0/24","maxLength":24,"ta":"ripe","expires":1800000000}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            ("{\n\t\"prefix\" : \"192.0.2.0/24\" ,\"maxLength\":25,\r\n\"asn\":\"AS64500\"}", VRP(prefix: v4, maxLength: 25, asn: 64500), nil),
            (#"{"asn": "as64500", "prefix": "192.0.2.0/24"}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 24.0}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 64500e0, "prefix": "192.0.2.0/24", "maxLength": 24}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "ta": "r\"ipe", "expires": -5}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 64500, "extra": {"a": [1, true, null]}, "prefix": "192.0.2.0/24"}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 1, "asn": 64500, "prefix": "192.0.2.0/24"}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 4294967295, "prefix": "2001:db8::/32", "maxLength": 48}"#, VRP(prefix: IPPrefix("2001:db8::/32")!, maxLength: 48, asn: 4294967295), nil),
            (#"{"asn": "As64500", "prefix": "192.0.2.0/24"}"#, nil, "v.json:1: roas[0].asn: missing or not an AS number"),
            (#"{"asn": "AS 64500", "prefix": "192.0.2.0/24"}"#, nil, "v.json:1: roas[0].asn: missing or not an AS number"),
            (#"{"asn": "AS+64500", "prefix": "192.0.2.0/24"}"#, VRP(prefix: v4, maxLength: 24, asn: 64500), nil),
            (#"{"asn": 4294967296, "prefix": "192.0.2.0/24"}"#, nil, "v.json:1: roas[0].asn: missing or not an AS number"),
            (#"{"asn": -1, "prefix": "192.0.2.0/24"}"#, nil, "v.json:1: roas[0].asn: missing or not an AS number"),
            (#"{"prefix": "192.0.2.0/24", "maxLength": 24}"#, nil, "v.json:1: roas[0].asn: missing or not an AS number"),
            (#"{"asn": 64500, "prefix": "192.0.2.1/24"}"#, nil, "v.json:1: roas[0].prefix: 192.0.2.1/24 is not a prefix"),
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 23}"#, nil, "v.json:1: roas[0].maxLength: maxLength 23.0 outside"),
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 24.5}"#, nil, "v.json:1: roas[0].maxLength: maxLength 24.5 outside"),
            (#"{"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 33}"#, nil, "v.json:1: roas[0].maxLength: maxLength 33.0 outside"),
        ]
    }()

    @Test("ROA objects read the same whichever way they are written", arguments: roaObjects.indices)
    func roaObjectForms(_ i: Int) throws {
        let (json, expectedVRP, expectedError) = Self.roaObjects[i]
        do throws(ConfigErrors) {
            let (vrps, _) = try RPKILoader.parsePayloads("{\"roas\": [\(json)]}", file: "v.json")
            #expect(vrps == [expectedVRP].compactMap { $0 }, "\(json)")
            #expect(expectedError == nil, "\(json) loaded")
        } catch {
            let message = error.description
            #expect(expectedError.map { message.hasPrefix($0) } == true, "\(json): \(message)")
        }
    }

    @Test("RFC 6811 states, maxLength, AS0 and AS_SET origins")
    func validation() throws {
        let d = try data()
        #expect(d.validate(IPPrefix("13.107.4.0/24")!, origin: 8075) == .valid)
        #expect(d.validate(IPPrefix("13.107.4.0/25")!, origin: 8075) == .invalid)  // longer than maxLength
        #expect(d.validate(IPPrefix("13.107.4.0/24")!, origin: 64666) == .invalid)
        #expect(d.validate(IPPrefix("13.107.4.0/24")!, origin: nil) == .invalid)  // AS_SET origin never matches
        #expect(d.validate(IPPrefix("8.8.8.0/24")!, origin: 15169) == .notFound)
        #expect(d.validate(IPPrefix("192.0.2.0/24")!, origin: 0) == .invalid)  // AS0 authorises nobody
        #expect(d.validate(IPPrefix("192.0.2.128/25")!, origin: 64496) == .invalid)
        #expect(d.validate(IPPrefix("2001:db8:1::/48")!, origin: 64500) == .valid)
    }

    @Test("SLURM filters drop VRPs and assertions add them (RFC 8416)")
    func slurm() throws {
        let s = try SLURM.parse("""
            {"slurmVersion": 1,
             "validationOutputFilters": {"prefixFilters": [{"prefix": "192.0.2.0/24", "comment": "lab"}], "bgpsecFilters": []},
             "locallyAddedAssertions": {"prefixAssertions": [{"asn": 64496, "prefix": "198.51.100.0/24", "maxPrefixLength": 24}],
                                        "bgpsecAssertions": []}}
            """, file: "local.slurm")
        let (vrps, _) = try RPKILoader.parsePayloads(Self.rpkiClient, file: "vrps.json")
        let d = RPKIData(vrps: s.apply(to: vrps))
        #expect(d.validate(IPPrefix("192.0.2.0/24")!, origin: 64496) == .notFound)
        #expect(d.validate(IPPrefix("198.51.100.0/24")!, origin: 64496) == .valid)
    }

    @Test("mistakes name the file, the line and the JSON path")
    func errors() {
        do {
            _ = try RPKILoader.parsePayloads("{\"roas\": [\n {\"asn\": 1, \"prefix\": \"10.0.0.0/8\", \"maxLength\": 24},\n {\"asn\": 2, \"prefix\": \"10.0.0.1/33\", \"maxLength\": 24}]}", file: "v.json")
            Issue.record("accepted a bad prefix")
        } catch {
            #expect(error.errors.first?.description == "v.json:3: roas[1].prefix: 10.0.0.1/33 is not a prefix")
        }
        #expect(throws: ConfigErrors.self) { try SLURM.parse("{\"slurmVersion\": 2}", file: "s") }
        #expect(throws: ConfigErrors.self) { try RPKILoader.parsePayloads("not json", file: "x") }
    }

    @Test("rpki-invalid fires for registered prefixes, alongside a hijack")
    func detector() throws {
        let r = testRegistry()
        let d = try data()
        func run(_ prefix: String, _ asns: [ASN]) -> [AlertType] {
            let p = IPPrefix(prefix)!
            return RouteDetectors.run(RouteInput(prefix: p, path: path(asns), session: neighbor, registered: r.entry(covering: p),
                                                 registry: r, dataSets: DataSets(rpki: d))).map(\.type)
        }
        #expect(run("13.107.0.0/16", [64496, 3356, 8075]).isEmpty)
        #expect(Set(run("13.107.0.0/16", [64496, 64666])) == [.originHijack, .rpkiInvalid])
        #expect(run("13.107.4.0/25", [64496, 3356, 8075]).contains(.rpkiInvalid))
        #expect(run("8.8.8.0/24", [64496, 15169]).isEmpty)  // not registered: counted, not alerted
    }
}

@Suite("RPKI index against a brute-force scan")
struct RPKIIndexTests {
    @Test("the same VRP from two trust anchors counts once; same prefix with another AS or maxLength does not")
    func duplicates() {
        let p = IPPrefix("192.0.2.0/24")!, q = IPPrefix("10.0.0.0/8")!, v6 = IPPrefix("2001:db8::/32")!
        let distinct = [VRP(prefix: p, maxLength: 24, asn: 64500), VRP(prefix: p, maxLength: 24, asn: 64501),
                        VRP(prefix: p, maxLength: 25, asn: 64500), VRP(prefix: q, maxLength: 16, asn: 64500),
                        VRP(prefix: v6, maxLength: 48, asn: 64500), VRP(prefix: v6, maxLength: 48, asn: 64501),
                        VRP(prefix: v6, maxLength: 40, asn: 64500)]
        // Each repeated, in an order that separates the copies.
        let data = RPKIData(vrps: distinct + distinct.reversed() + distinct)
        #expect(data.vrpCount == distinct.count)
        #expect(data.covering(p).count == 3)  // the three /24 VRPs, once each
        #expect(data.covering(IPPrefix("10.1.0.0/16")!) == [VRP(prefix: q, maxLength: 16, asn: 64500)])
        #expect(data.validate(IPPrefix("192.0.2.0/25")!, origin: 64500) == .valid)
        #expect(data.validate(IPPrefix("192.0.2.0/25")!, origin: 64501) == .invalid)
        #expect(data.covering(IPPrefix("2001:db8:1::/48")!).count == 3)  // the three IPv6 VRPs, once each
        #expect(data.validate(IPPrefix("2001:db8:1::/48")!, origin: 64501) == .valid)
        #expect(data.validate(IPPrefix("2001:db8:1::/49")!, origin: 64501) == .invalid)
        let queries = [RPKIData.ValidationQuery(prefix: IPPrefix("2001:db8:10::/44")!, origin: 64500),
                       RPKIData.ValidationQuery(prefix: IPPrefix("2001:db8:10::/44")!, origin: 64502)]
        let counted = queries.withUnsafeBufferPointer { data.countValidity($0) }
        #expect(counted.valid == 1 && counted.invalid == 1 && counted.notFound == 0)
    }

    /// `sparse` IPv4: two /8s, a few VRPs per /16 bucket (scanned linearly); `dense` IPv4: 10.0/16 and 11.0/16
    /// holding about 700 VRPs of /16 and longer each (binary-searched per length); IPv6: the trie, and the
    /// sorted sweep of `countValidity`; `ipv6Long`: /64 and longer in four /64s (queries sharing their high half,
    /// which the sweep's radix sort orders by their low half); `mixed`: sparse IPv4 and IPv6 in one data set and
    /// one batch.
    @Test("validate equals RFC 6811 computed naively", arguments: ["sparse", "dense", "ipv6", "ipv6Long", "mixed"])
    func bruteForce(mode: String) {
        let seeds = ["sparse": 11, "dense": 13, "ipv6": 12, "ipv6Long": 15, "mixed": 14]
        var rng = TrieTests.Random(state: UInt64(seeds[mode] ?? 1))
        func nextIsIPv4() -> Bool { mode == "mixed" ? rng.next() % 2 == 0 : mode != "ipv6" && mode != "ipv6Long" }
        /// A random prefix of `minLength`, plus 0..<spread bits (IPv4), or of 32 + 0..<`v6Spread` bits (IPv6).
        func prefix(_ minLength: Int, _ spread: Int, v6Spread: Int) -> IPPrefix {
            if nextIsIPv4() {
                let hostBits: UInt32 = mode == "dense" ? 0x0000_FFFF : 0x00FF_FFFF
                let a = UInt32(10 + rng.next() % 2) << 24 | UInt32(truncatingIfNeeded: rng.next()) & hostBits
                return .v4(IPv4Prefix(address: IPv4Address(a), length: UInt8(minLength + Int(rng.next() % UInt64(spread))))!)
            }
            if mode == "ipv6Long" {
                let h = 0x2001_0db8_0000_0000 | rng.next() % 4
                return .v6(IPv6Prefix(address: IPv6Address(high: h, low: rng.next()), length: UInt8(64 + Int(rng.next() % UInt64(v6Spread))))!)
            }
            let h = 0x2001_0db8_0000_0000 | (rng.next() & 0x0000_0000_00FF_FFFF)
            return .v6(IPv6Prefix(address: IPv6Address(high: h, low: 0), length: UInt8(32 + Int(rng.next() % UInt64(v6Spread))))!)
        }
        let vrps = (0..<3000).map { _ -> VRP in
            let p = prefix(8, 17, v6Spread: 17)
            return VRP(prefix: p, maxLength: min(p.length + UInt8(rng.next() % 4), p.isIPv4 ? 32 : 128), asn: ASN(rng.next() % 50))
        }
        let data = RPKIData(vrps: vrps)
        func covers(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
            switch (a, b) {
            case (.v4(let x), .v4(let y)): x.contains(y)
            case (.v6(let x), .v6(let y)): x.contains(y)
            default: false
            }
        }
        var queries: [RPKIData.ValidationQuery] = []
        var expectedCounts = [ROVState: Int]()
        for _ in 0..<4000 {
            let p = prefix(8, 25, v6Spread: 33)
            let origin: ASN? = rng.next() % 10 == 0 ? nil : ASN(rng.next() % 50)
            let coveringVRPs = vrps.filter { covers($0.prefix, p) }
            let expected: ROVState = coveringVRPs.isEmpty ? .notFound
                : coveringVRPs.contains { $0.asn == origin && $0.asn != 0 && p.length <= $0.maxLength } ? .valid : .invalid
            #expect(data.validate(p, origin: origin) == expected, "\(p) AS\(origin.map(String.init) ?? "-")")
            queries.append(RPKIData.ValidationQuery(prefix: p, origin: origin))
            expectedCounts[expected, default: 0] += 1
        }
        // The batched count the engine uses gives the same outcomes.
        let counted = queries.withUnsafeBufferPointer { data.countValidity($0) }
        #expect(counted.valid == expectedCounts[.valid, default: 0] && counted.invalid == expectedCounts[.invalid, default: 0]
                && counted.notFound == expectedCounts[.notFound, default: 0])
        #expect(expectedCounts.count >= 2, "the random set exercises more than one state")
    }
}

extension RPKITests {
    /// The radix sort of the IPv6 sweep against the standard library's, on address sets where high halves
    /// repeat (long prefixes in four /64s), differ only in low bits, or only in top bits.
    @Test("IPv6 queries are put in address order", arguments: [0, 1, 2, 3])
    func ipv6QueryOrder(spread: Int) {
        var rng = TrieTests.Random(state: UInt64(40 + spread))
        var entries = (0..<5000).map { _ -> RPKIData.V6Entry in
            let high: UInt64 = switch spread {
            case 0: 0x2001_0db8_0000_0000 | rng.next() % 4
            case 1: rng.next()
            case 2: rng.next() << 56
            default: 0x2001_0db8_0000_0000
            }
            let length = UInt8(64 + rng.next() % 65)
            return RPKIData.V6Entry(IPv6Prefix(address: IPv6Address(high: high, low: rng.next()), length: length)!, maxLength: 0, asn: nil)
        }
        let expected = entries.map { ($0.high, $0.low) }.sorted { $0 < $1 }
        entries.withUnsafeMutableBufferPointer { RPKIData.sortByAddress($0) }
        #expect(entries.map(\.high) == expected.map(\.0))
        #expect(entries.map(\.low) == expected.map(\.1))
    }
}

@Suite("Radix sort of the data-set builds")
struct RadixSortTests {
    @Test("sorts like the standard library, stably, with skipped passes", arguments: [0, 1, 2, 3])
    func agreesWithSort(shape: Int) {
        var rng = TrieTests.Random(state: UInt64(70 + shape))
        let values: [UInt64] = (0..<20_000).map { i in
            switch shape {
            case 0: rng.next()  // every pass
            case 1: rng.next() % 7  // many equal keys
            case 2: rng.next() << 40 | UInt64(i)  // positions in the low bits: sorted on bits 24...
            default: 0x2001_0db8 << 32 | rng.next() % 1000  // constant top digits
            }
        }
        var keys = values
        keys.withUnsafeMutableBufferPointer { RadixSort.sort($0, bits: shape == 2 ? 24..<64 : 0..<64) { $0 } }
        #expect(keys == values.sorted())
        // Stability: equal keys keep their original order.
        var pairs = values.enumerated().map { RPKIData.PositionedKey(key: $0.element % 64, position: UInt32($0.offset)) }
        pairs.withUnsafeMutableBufferPointer { RadixSort.sort($0) { $0.key } }
        let expected = values.enumerated().map { ($0.element % 64, UInt32($0.offset)) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        #expect(pairs.map(\.key) == expected.map(\.0) && pairs.map(\.position) == expected.map(\.1))
    }
}

@Suite("RFC 6811 counts of the engine")
struct EngineValidationCountTests {
    /// One UPDATE announcing `prefixes` with origin `origin` (encoder-built, as the wire carries it).
    static func process(_ engine: DetectionEngine, _ prefixes: [IPPrefix], origin: ASN) {
        var a = PathAttributes()
        a.origin = .igp
        a.asPath = ASPath([ASPathSegment(.sequence, [64496, origin])])
        a.nextHop = IPv4Address(192, 0, 2, 2)
        let bytes = BGPMessage.update(UpdateMessage(withdrawnRoutes: [], attributes: a, nlri: prefixes.map { Route(prefix: $0) })).encoded()
        bytes.withUnsafeBytes { raw in
            engine.process(update: UpdateView(raw, context: DecodingContext()), session: neighbor,
                           position: SourcePosition(source: "test", frame: 1), time: 0)
        }
    }

    /// 20,000 prefixes (more than two background batches) in UPDATEs of 500, then a data-set swap: the
    /// counters equal `validate` on each prefix, the ones before the swap against the old data set.
    @Test("background counts equal validating each announced prefix, across batches and a data-set swap")
    func countsEqualValidate() {
        let old = RPKIData(vrps: [VRP(prefix: IPPrefix("10.0.0.0/8")!, maxLength: 24, asn: 64500),
                                  VRP(prefix: IPPrefix("11.0.0.0/8")!, maxLength: 16, asn: 64501)])
        let new = RPKIData(vrps: [VRP(prefix: IPPrefix("10.0.0.0/8")!, maxLength: 16, asn: 64500)])
        let engine = DetectionEngine(registry: testRegistry(), dataSets: DataSets(rpki: old)) { _ in }
        var expected = (valid: 0, invalid: 0, notFound: 0)
        func tally(_ state: ROVState) {
            switch state {
            case .valid: expected.valid += 1
            case .invalid: expected.invalid += 1
            case .notFound: expected.notFound += 1
            }
        }
        func announce(block: Int, data: RPKIData) {
            // /16, /24 and /25 prefixes in 10/8, 11/8 (covered) and 12/8 (not), origins 64500 and 64501.
            for u in 0..<20 {
                let first = UInt8(10 + u % 3)
                let origin: ASN = u % 2 == 0 ? 64500 : 64501
                let prefixes = (0..<500).map { i in
                    let length = [16, 24, 25][i % 3]
                    let third = length == 16 ? 0 : UInt8(i / 3 % 256)
                    let fourth: UInt8 = length == 25 && i / 3 % 2 == 1 ? 128 : 0
                    let address = IPv4Address(first, UInt8(block * 20 + u), third, fourth)
                    return IPPrefix.v4(IPv4Prefix(address: address, length: UInt8(length))!)
                }
                for p in prefixes { tally(data.validate(p, origin: origin)) }
                Self.process(engine, prefixes, origin: origin)
            }
        }
        announce(block: 1, data: old)
        announce(block: 2, data: old)
        // Swapped with 20,000 queries handed over (batches possibly still in flight) and 3,616 still waiting:
        // those must be validated against the old set.
        engine.replaceDataSets(DataSets(rpki: new))
        announce(block: 3, data: new)
        let s = engine.statistics
        #expect(s.rovValid + s.rovInvalid + s.rovNotFound == 30_000)
        #expect(s.rovValid == expected.valid && s.rovInvalid == expected.invalid && s.rovNotFound == expected.notFound,
                "\(s.rovValid)/\(s.rovInvalid)/\(s.rovNotFound) vs \(expected)")
        #expect(expected.valid > 0 && expected.invalid > 0 && expected.notFound > 0)
    }
}
