import BGPWire
import Detection
import Testing

/// 3356 and 8075 peer; 3356 is provider of 174 and 1299; 174 is provider of 64496 (our neighbor's AS in tests).
let relText = """
    # serial-2
    8075|3356|0|bgp
    3356|174|-1|bgp
    3356|1299|-1|bgp
    174|64496|-1|bgp
    8075|174|0|bgp
    """

func relationships() -> ASRelationships? { try? ASRelationships.parse(relText, file: "test.as-rel") }

func leakRun(_ prefix: String, _ asns: [ASN], role: BGPRole? = nil, localRole: BGPRole? = nil, otc: ASN? = nil,
             neighborASN: ASN = 64496) -> [Finding] {
    let r = testRegistry()
    let pfx = IPPrefix(prefix)!
    var p = path(asns)
    p.otc = otc
    var s = neighbor
    s.role = role
    s.localRole = localRole
    s.neighborASN = neighborASN
    return RouteDetectors.run(RouteInput(prefix: pfx, path: p, session: s, registered: r.entry(covering: pfx), registry: r,
                                         dataSets: DataSets(asRelationships: relationships())))
}

@Suite("Route-leak methods: valley-free and RFC 9234 OTC")
struct LeakMethodTests {
    @Test("as-rel files: serial-1 and serial-2, comments, errors with lines")
    func loader() throws {
        let rel = try #require(relationships())
        #expect(rel.relation(3356, 174) == .providerOf && rel.relation(174, 3356) == .customerOf)
        #expect(rel.relation(8075, 3356) == .peer && rel.relation(1, 2) == nil)
        _ = try ASRelationships.parse("1|2|-1\n2|3|0\n", file: "s1")
        do {
            _ = try ASRelationships.parse("1|2|-1\n1|2|0\n3|x|0\n4|5|1\n6|7\n", file: "bad")
            Issue.record("accepted a bad file")
        } catch {
            let text = error.errors.map(\.description)
            #expect(text.contains("bad:2: rel: AS1–AS2 contradicts line 1"))
            #expect(text.contains { $0.hasPrefix("bad:3: asn:") })
            #expect(text.contains { $0.hasPrefix("bad:4: rel:") })
            #expect(text.contains { $0.hasPrefix("bad:5:") })
            // Lines are inserted in batches; the errors still come in line order.
            #expect(text.map { $0.split(separator: ":")[1] } == ["2", "3", "4", "5"])
        }
        do {
            _ = try ASRelationships.parse("1|2|-1\n3|x|0\n2|1|0\n", file: "bad")
            Issue.record("accepted a bad file")
        } catch {
            #expect(error.errors.map(\.description).map { $0.split(separator: ":")[1] } == ["2", "3"])
            #expect(error.errors.last?.description == "bad:3: rel: AS2–AS1 contradicts line 1")
        }
    }

    @Test("valley-free: down then up is a leak by the AS at the valley")
    func valley() {
        // 8075 → 3356 (across, peers) → 174 (down) → 64496 (down): fine.
        #expect(leakRun("40.107.0.0/16", [64496, 174, 3356, 8075]).isEmpty)
        // 8075 → 174 (across) → 3356 (up: 174 is customer of 3356) → leak by 174.
        let f = leakRun("40.107.0.0/16", [3356, 174, 8075], neighborASN: 3356)
        #expect(f.map(\.type) == [.routeLeak])
        #expect(f.first?.leaker == 174 && f.first?.methods == ["valley-free"])
        // Prepends do not change it.
        #expect(leakRun("40.107.0.0/16", [3356, 174, 174, 8075, 8075], neighborASN: 3356).first?.leaker == 174)
    }

    @Test("valley-free: unknown relationships never alert")
    func unknownLinks() {
        #expect(leakRun("40.107.0.0/16", [64999, 65001, 8075]).isEmpty)
        #expect(leakRun("40.107.0.0/16", [64999, 174, 3356, 8075]).isEmpty)  // down, then an unknown hop
    }

    @Test("valley-free last hop: a customer handing us a peer route is the leaker")
    func lastHop() {
        // 8075 → 3356 across, 3356 → 174 down, 174 → 64496 down, 64496 → us: up (it is our customer).
        let f = leakRun("40.107.0.0/16", [64496, 174, 3356, 8075], role: .customer)
        #expect(f.first?.leaker == 64496 && f.first?.methods == ["valley-free"])
        // The same route from a provider is fine.
        #expect(leakRun("40.107.0.0/16", [64496, 174, 3356, 8075], role: .provider).isEmpty)
    }

    @Test("OTC ingress: from a customer or rs-client it is a leak; from a peer only when OTC ≠ the peer")
    func otcIngress() {
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .customer, otc: 3356).first?.methods == ["otc"])
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .routeServerClient, otc: 3356).first?.leaker == 64496)
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .peer, otc: 64496).isEmpty)
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .peer, otc: 3356).first?.methods == ["otc"])
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .provider, otc: 3356).isEmpty)
        #expect(leakRun("40.107.0.0/16", [64496, 8075], role: .routeServer, otc: 3356).isEmpty)
        #expect(leakRun("40.107.0.0/16", [64496, 8075], otc: 3356).isEmpty)  // no roles known
    }

    @Test("OTC egress: a route with OTC sent to our provider (we see the receiver's role) is a leak by the sender")
    func otcEgress() {
        #expect(leakRun("40.107.0.0/16", [64496, 8075], localRole: .provider, otc: 3356).first?.leaker == 64496)
        #expect(leakRun("40.107.0.0/16", [64496, 8075], localRole: .customer, otc: 3356).isEmpty)
    }

    /// `Finding` keeps its facts in a shared box: copies must still behave as values.
    @Test("a finding is a value: merging into a copy leaves the original, equal facts compare and hash equal")
    func findingValueSemantics() throws {
        let prefix = try #require(IPPrefix("40.107.0.0/16"))
        let original = Finding(.routeLeak, prefix: prefix, offender: 174, registered: nil, methods: ["valley-free"],
                               leaker: 174, summary: "leak")
        var copy = original
        copy.merge(methods: ["otc", "valley-free"])
        #expect(copy.methods == ["valley-free", "otc"])
        #expect(original.methods == ["valley-free"])
        #expect(copy != original)
        let twin = Finding(.routeLeak, prefix: prefix, offender: 174, registered: nil, methods: ["valley-free"],
                           leaker: 174, summary: "leak")
        #expect(twin == original && twin.hashValue == original.hashValue)
        let otherSummary = Finding(.routeLeak, prefix: prefix, offender: 174, registered: nil, methods: ["valley-free"],
                                   leaker: 174, summary: "other")
        #expect(otherSummary != original)
        var same = original
        same.merge(methods: ["valley-free"])
        #expect(same == original)
    }

    @Test("two methods flagging the same leaker give one alert listing both")
    func merged() {
        let f = leakRun("40.107.0.0/16", [64496, 174, 3356, 8075], role: .customer, otc: 3356)
        #expect(f.count == 1)
        #expect(Set(f.first?.methods ?? []) == ["valley-free", "otc"])
    }
}
