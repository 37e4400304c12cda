import BGPWire
@testable import Detection
import Testing

/// `UpdateTriage` reads plain IPv4 NLRI whole only when their /16 may relate to the registry: its verdict must be
/// what asking the registry about every route, one by one, gives.
@Suite("UpdateTriage: verdicts and counts")
struct UpdateTriageTests {
    /// IPv4 prefixes in 8.0.0.0/5 (2,048 /16s), half of them in 10.0.0.0/14 where they nest often, /8 to /32 (the
    /// registry's /12 to /32); IPv6 in 2001:db8::/32 (the registry's), or for routes half of the time in
    /// 3fff::/32, far from anything registered.
    static func randomPrefix(_ rng: inout TrieTests.Random, ipv6: Bool, registered: Bool = false) -> IPPrefix {
        if ipv6 {
            let block: UInt64 = registered || rng.next() % 2 == 0 ? 0x2001_0db8_0000_0000 : 0x3fff_0000_0000_0000
            let high = block | (rng.next() & 0x0000_0000_00FF_FFFF) << 8
            return .v6(IPv6Prefix(address: IPv6Address(high: high, low: 0), length: UInt8(24 + rng.next() % 33))!)
        }
        let dense = rng.next() % 2 == 0
        let address = (dense ? 0x0A00_0000 : 0x0800_0000) | UInt32(truncatingIfNeeded: rng.next()) & (dense ? 0x0003_FFFF : 0x07FF_FFFF)
        let shortest: UInt64 = registered ? 12 : 8
        return .v4(IPv4Prefix(address: IPv4Address(address), length: UInt8(shortest + rng.next() % (33 - shortest)))!)
    }

    /// `validating`: every announced prefix also goes to RFC 6811 counting (the triage then reads each whole).
    /// A quarter of the UPDATEs carry IPv4 VPN routes (route distinguishers: never watched) in MP_REACH.
    @Test("the same verdict as asking about each route; every route counted",
          arguments: [(false, false), (true, false), (true, true)])
    func sameAsRouteByRoute(monitoredOrigins: Bool, validating: Bool) throws {
        var rng = TrieTests.Random(state: monitoredOrigins ? (validating ? 11 : 7) : 3)
        let registered = Array(Set((0..<300).map { i in Self.randomPrefix(&rng, ipv6: i % 5 == 0, registered: true) }))
        let registry = Registry(monitoredASNs: [8075], prefixes: registered.map { RegisteredPrefix(prefix: $0, origins: [64500]) })
        var triage = UpdateTriage(registry: registry, validation: OriginValidationCounter(rpki: validating ? RPKIData(vrps: []) : nil))
        var watchedSeen = 0, unwatchedSeen = 0, updates = 0, announced = 0, withdrawn = 0, hinted = 0
        for round in 0..<1_500 {
            let routes = { (n: Int, ipv6: Bool) in
                (0..<n).map { _ in Route(prefix: Self.randomPrefix(&rng, ipv6: ipv6)) }
            }
            // Up to 90 routes per section, so that verdicts past the 64th route are checked too.
            let counts = (0..<4).map { _ in rng.next() % 4 == 0 ? Int(rng.next() % 90) : Int(rng.next() % 6) }
            var a = PathAttributes()
            a.origin = .igp
            let origin: ASN = monitoredOrigins && round % 3 == 0 ? 8075 : 64500
            a.asPath = ASPath([ASPathSegment(.sequence, [65001, origin])])
            a.nextHop = IPv4Address(192, 0, 2, 1)
            if round % 4 == 1 {  // with a monitored origin (round % 3 == 0) now and then
                var labels = LabelStack()
                labels.append(16001)
                a.mpReach = MPReachNLRI(family: .ipv4VPN, nextHops: [.v4(IPv4Address(10, 0, 0, 1))], routes: (0..<counts[2]).map { _ in
                    Route(prefix: Self.randomPrefix(&rng, ipv6: false), labels: labels,
                          routeDistinguisher: RouteDistinguisher(raw: 0x0000_FDE9_0000_0064))
                })
            } else if round % 4 == 3 {
                // No MP attribute: the triage walks the classic IPv4 fields' bytes directly.
            } else {
                a.mpReach = MPReachNLRI(family: .ipv6Unicast, nextHops: [.v6(IPv6Address("2001:db8::1")!)], routes: routes(counts[2], true))
            }
            if round % 4 != 3 { a.mpUnreach = MPUnreachNLRI(family: .ipv6Unicast, routes: routes(counts[3], true)) }
            let message = UpdateMessage(withdrawnRoutes: routes(counts[0], false), attributes: a, nlri: routes(counts[1], false))
            let bytes = BGPMessage.update(message).encoded()
            try bytes.withUnsafeBytes { raw in
                let view = UpdateView(raw, context: DecodingContext())
                try #require(view.errors.isEmpty)
                let verdict = triage.verdict(view)
                updates += 1
                // In the engine's walk order: withdrawn routes, MP_UNREACH, NLRI, MP_REACH.
                var expected: [Bool] = []
                var walked: [Route] = []
                for section in [UpdateView.RouteSection.withdrawn, .mpUnreach] {
                    var reader = view.routes(section)
                    while let route = reader.next() {
                        expected.append(registry.watchesWithdrawal(of: route))
                        walked.append(route)
                    }
                }
                withdrawn += expected.count
                let monitored = registry.isMonitored(view.effectiveOriginASN)
                for section in [UpdateView.RouteSection.nlri, .mpReach] {
                    var reader = view.routes(section)
                    while let route = reader.next() {
                        expected.append(registry.watchesAnnouncement(of: route, monitoredOrigin: monitored))
                        walked.append(route)
                        announced += 1
                    }
                }
                #expect(verdict.concernsEngine == expected.contains(true), "round \(round)")
                for (i, watched) in expected.prefix(64).enumerated() {
                    #expect(verdict.isWatched(i) == watched, "round \(round), route \(i)")
                    // Where the triage says which registered prefix covers a route, it is the registry's answer.
                    if let hint = verdict.covering(ofRoute: i) {
                        let expectedCovering = registry.entry(covering: walked[i].prefix)
                        #expect(watched && hint.map { registry.prefixes[Int($0)] } == expectedCovering,
                                "round \(round), route \(i)")
                        hinted += 1
                    }
                }
                // What the engine steps over: runs of unwatched routes below the 64th, and the end of the watched ones.
                // (Past the last route up to the 64th, "routes" that do not exist count as unwatched too.)
                for i in 0...expected.count {
                    let run = i >= 64 ? 0 : ((i..<max(i, min(expected.count, 64))).first { expected[$0] } ?? 64) - i
                    #expect(verdict.unwatchedRun(from: i) == run, "round \(round), route \(i)")
                    #expect(verdict.noneWatched(from: i) == (expected.count <= 64 && !expected[i...].contains(true)),
                            "round \(round), route \(i)")
                }
                watchedSeen += expected.filter { $0 }.count
                unwatchedSeen += expected.filter { !$0 }.count
            }
        }
        #expect(watchedSeen > 1_000 && unwatchedSeen > 10_000, "both answers are exercised")
        #expect(hinted > 500, "covering prefixes found by the triage are checked")
        let c = triage.settle()
        #expect(c.updates == updates && c.announced == announced && c.withdrawn == withdrawn)
    }
}
