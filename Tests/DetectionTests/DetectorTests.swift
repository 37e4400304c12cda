import BGPWire
import Detection
import Testing

let testRegistryYAML = """
    monitoredASNs: [8075]
    asns: {8075: Microsoft}
    partners:
      - asn: 64500
        name: Example Telecom
        customers: [64501, 64502]
    prefixes:
      - prefix: 13.107.0.0/16
        origins: [8075]
        maxLength: 24
        upstreams: [3356, 174]
      - prefix: 40.107.0.0/16
        origins: [8075]
        maxLength: 24
      - prefix: 198.51.100.0/24
        origins: [64501]
        partner: 64500
        maxPathLength: 3
      - prefix: 192.0.2.0/24
        origins: []
    """

func testRegistry() -> Registry {
    // The YAML above is a constant of the test: a failure here is a bug in the test itself.
    (try? RegistryLoader.parse(testRegistryYAML, file: "test.yaml")) ?? Registry(prefixes: [])
}

func path(_ asns: [ASN], set: [ASN] = []) -> ObservedPath {
    var segments = [ASPathSegment(.sequence, asns)]
    if !set.isEmpty { segments.append(ASPathSegment(.set, set)) }
    return ObservedPath(asPath: ASPath(segments))
}

let neighbor = SessionInfo(id: 1, local: .v4(IPv4Address(192, 0, 2, 1)), neighbor: .v4(IPv4Address(192, 0, 2, 2)), neighborASN: 64496)

func run(_ prefix: String, _ p: ObservedPath) -> [Finding] {
    let r = testRegistry()
    let pfx = IPPrefix(prefix)!
    return RouteDetectors.run(RouteInput(prefix: pfx, path: p, session: neighbor, registered: r.entry(covering: pfx), registry: r))
}

@Suite("Detectors, one at a time")
struct DetectorTests {
    @Test("origin-hijack, and its negatives")
    func originHijack() {
        #expect(run("13.107.0.0/16", path([64496, 64666])).map(\.type) == [.originHijack])
        #expect(run("13.107.0.0/16", path([64496, 3356, 8075])).isEmpty)
        // An AS_SET origin cannot be judged: no alert.
        #expect(run("13.107.0.0/16", path([64496], set: [8075, 64666])).isEmpty)
        let f = run("13.107.0.0/16", path([64496, 64666]))[0]
        #expect(f.identity.offender == 64666 && f.registered?.prefix == IPPrefix("13.107.0.0/16"))
    }

    @Test("subprefix-hijack vs a legitimate more-specific within maxLength")
    func subprefix() {
        #expect(run("13.107.4.0/24", path([64496, 64666])).map(\.type) == [.subprefixHijack])
        #expect(run("13.107.4.0/24", path([64496, 3356, 8075])).isEmpty)
    }

    @Test("squat inside a dark prefix")
    func squat() {
        #expect(run("192.0.2.128/25", path([64496, 64667])).map(\.type) == [.squat])
        #expect(run("192.0.2.0/24", path([64496, 64667])).map(\.type) == [.squat])
    }

    @Test("path-hijack: forged adjacency; prepends and allowed upstreams are fine")
    func pathHijack() {
        #expect(run("13.107.0.0/16", path([64496, 64666, 8075])).map(\.type) == [.pathHijack])
        #expect(run("13.107.0.0/16", path([64496, 64666, 8075])).first?.identity.offender == 64666)
        #expect(run("13.107.0.0/16", path([64496, 3356, 8075, 8075, 8075])).isEmpty)
        #expect(run("13.107.0.0/16", path([64496, 174, 8075])).isEmpty)
        // No upstreams registered: any neighbour is fine.
        #expect(run("40.107.0.0/16", path([64496, 64666, 8075])).isEmpty)
    }

    @Test("more-specific beyond maxLength from the legitimate origin")
    func moreSpecific() {
        #expect(run("40.107.1.0/25", path([64496, 8075])).map(\.type) == [.moreSpecific])
        #expect(run("40.107.1.0/24", path([64496, 8075])).isEmpty)
    }

    @Test("route-leak partner-policy: partner passes an AS8075 route outside its cone")
    func partnerLeak() {
        let f = run("40.107.0.0/16", path([64496, 3356, 64500, 8075]))
        #expect(f.map(\.type) == [.routeLeak])
        #expect(f.first?.leaker == 64500 && f.first?.methods == ["partner-policy"])
        #expect(run("40.107.0.0/16", path([64496, 64501, 64500, 8075])).isEmpty)  // to its customer
        #expect(run("198.51.100.0/24", path([64496, 64500, 64501])).isEmpty)  // partner's own customer prefix
    }

    @Test("unexpected-prefix from a monitored ASN; unregistered prefixes of others are ignored")
    func unexpected() {
        #expect(run("100.64.0.0/16", path([64496, 8075])).map(\.type) == [.unexpectedPrefix])
        #expect(run("100.64.0.0/16", path([64496, 3356])).isEmpty)
        // Covering a registered prefix is still "not covered by one".
        #expect(run("13.0.0.0/8", path([64496, 8075])).map(\.type) == [.unexpectedPrefix])
    }

    @Test("suboptimal-path: only paths not via the partner, or too long")
    func suboptimal() {
        let r = testRegistry()
        let p = IPPrefix("198.51.100.0/24")!
        let entry = r.entry(covering: p)
        #expect(SuboptimalPath.check(prefix: p, registered: entry, paths: [path([64496, 1299, 64501])], registry: r) != nil)
        #expect(SuboptimalPath.check(prefix: p, registered: entry, paths: [path([64496, 64500, 64501])], registry: r) == nil)
        #expect(SuboptimalPath.check(prefix: p, registered: entry, paths: [path([64500, 1, 2, 64501])], registry: r) != nil)
        #expect(SuboptimalPath.check(prefix: p, registered: entry,
                                     paths: [path([64496, 1299, 64501]), path([64500, 64501])], registry: r) == nil)
    }

    @Test("withdrawn: only when the last legitimate route is withdrawn")
    func withdrawn() {
        let r = testRegistry()
        let p = IPPrefix("13.107.0.0/16")!
        let entry = r.entry(covering: p)
        #expect(Withdrawn.check(prefix: p, registered: entry, remainingRoutes: 0, removedPath: path([1, 8075]), registry: r) != nil)
        #expect(Withdrawn.check(prefix: p, registered: entry, remainingRoutes: 1, removedPath: path([1, 8075]), registry: r) == nil)
        #expect(Withdrawn.check(prefix: p, registered: entry, remainingRoutes: 0, removedPath: path([1, 64666]), registry: r) == nil)
        let sub = IPPrefix("13.107.1.0/24")!
        #expect(Withdrawn.check(prefix: sub, registered: r.entry(covering: sub), remainingRoutes: 0, removedPath: path([1, 8075]), registry: r) == nil)
    }

    @Test("stable alert ids")
    func ids() {
        let a = AlertIdentity(type: .originHijack, prefix: IPPrefix("13.107.0.0/16"), offender: 64666)
        #expect(a.id == AlertIdentity(type: .originHijack, prefix: IPPrefix("13.107.0.0/16"), offender: 64666).id)
        #expect(a.id != AlertIdentity(type: .originHijack, prefix: IPPrefix("13.107.0.0/16"), offender: 64667).id)
        #expect(a.id.count == 16)
    }
}
