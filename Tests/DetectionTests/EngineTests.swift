import BGPWire
import Detection
import Testing

/// Drives the engine with encoder-built UPDATEs (what the wire would carry) and checks the lifecycle.
final class EngineHarness {
    var events: [AlertEvent] = []
    let options: DetectionEngine.Options
    lazy var engine = DetectionEngine(registry: testRegistry(), options: options) { [unowned self] in
        self.events.append($0)
    }

    init(options: DetectionEngine.Options = DetectionEngine.Options()) { self.options = options }

    func update(announce: [String] = [], withdraw: [String] = [], path asns: [ASN] = [], session: SessionInfo = neighbor,
                time: Int64 = 0) {
        var a = PathAttributes()
        if !announce.isEmpty {
            a.origin = .igp
            a.asPath = ASPath([ASPathSegment(.sequence, asns)])
            a.nextHop = IPv4Address(192, 0, 2, 2)
        }
        let u = UpdateMessage(withdrawnRoutes: withdraw.map { Route(prefix: IPPrefix($0)!) }, attributes: a,
                              nlri: announce.map { Route(prefix: IPPrefix($0)!) })
        let bytes = BGPMessage.update(u).encoded()
        bytes.withUnsafeBytes { raw in
            engine.process(update: UpdateView(raw, context: DecodingContext()), session: session,
                           position: SourcePosition(source: "test", frame: 1), time: time)
        }
    }

    var summary: [String] { events.map { "\($0.status.rawValue) \($0.alert.identity.type.rawValue) \($0.reason?.rawValue ?? "")" } }
}

/// Another session like `neighbor`'s: session `id`, neighbor 192.0.2.(id + 1).
func otherNeighbor(_ id: Int) -> SessionInfo {
    var s = neighbor
    s.id = id
    s.neighbor = .v4(IPv4Address(192, 0, 2, UInt8(id + 1)))
    return s
}

@Suite("Alert lifecycle")
struct EngineTests {
    @Test("fires once, counts observations, resolves exactly once on withdrawal")
    func fireObserveResolve() {
        let h = EngineHarness()
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666])
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666], time: 10)
        #expect(h.summary == ["firing origin-hijack "])
        #expect(h.engine.book.openAlerts.first?.observations == 2)
        h.update(withdraw: ["13.107.0.0/16"], time: 20)
        h.update(withdraw: ["13.107.0.0/16"], time: 30)
        #expect(h.summary == ["firing origin-hijack ", "resolved origin-hijack withdrawn"])
        #expect(h.engine.rib.count == 0)
    }

    @Test("a clean route replacing the hijack resolves it as replaced")
    func replaced() {
        let h = EngineHarness()
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075])
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666])
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075])
        #expect(h.summary == ["firing origin-hijack ", "resolved origin-hijack replaced"])
    }

    @Test("seen on two sessions: resolves only when both stop carrying it")
    func twoSessions() {
        let h = EngineHarness()
        let other = otherNeighbor(2)
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666])
        h.update(announce: ["13.107.0.0/16"], path: [64497, 64666], session: other)
        #expect(h.engine.book.openAlerts.first?.seenBy.count == 2)
        h.update(withdraw: ["13.107.0.0/16"])
        #expect(h.summary == ["firing origin-hijack "])
        h.engine.sessionClosed(other, cause: "TCP connection reset (RST)", time: 5, evidence: nil)
        #expect(h.summary == ["firing origin-hijack ", "resolved origin-hijack session-closed", "firing session-down "])
    }

    /// The same whether the last session's table is released or, as replay has it, kept until the process exits.
    @Test("closing one of two sessions keeps the other's routes; closing the last empties the RIB, in prefix order",
          arguments: [true, false])
    func closeOneThenLast(releasesDroppedRoutes: Bool) {
        var options = DetectionEngine.Options()
        options.releasesDroppedRoutes = releasesDroppedRoutes
        let h = EngineHarness(options: options)
        let other = otherNeighbor(2)
        h.update(announce: ["13.107.0.0/16", "40.107.0.0/16"], path: [64496, 64666])
        h.update(announce: ["13.107.0.0/16"], path: [64497, 3356, 8075], session: other)
        // A third session whose only route is withdrawn again: it must not keep the last close off the fast path.
        let third = otherNeighbor(3)
        h.update(announce: ["13.107.0.0/16"], path: [64498, 3356, 8075], session: third)
        h.update(withdraw: ["13.107.0.0/16"], session: third)
        #expect(h.engine.rib.count == 3)
        h.engine.sessionClosed(other, cause: nil, time: 5, evidence: nil)
        #expect(h.engine.rib.count == 2)
        #expect(h.engine.rib.routes(for: IPPrefix("13.107.0.0/16")!).isEmpty == false)
        #expect(h.engine.rib.routeSessions(for: IPPrefix("13.107.0.0/16")!) == [neighbor.id])
        h.events.removeAll()
        h.engine.sessionClosed(neighbor, cause: nil, time: 6, evidence: nil)
        #expect(h.engine.rib.count == 0)
        #expect(h.engine.rib.routes(for: IPPrefix("13.107.0.0/16")!).isEmpty)
        #expect(h.engine.rib.routeCount(for: IPPrefix("13.107.0.0/16")!) == 0)
        // The two hijacks resolve in prefix order, whatever order the tables hold them in.
        #expect(h.events.map { "\($0.status.rawValue) \($0.alert.identity.prefix.map(String.init(describing:)) ?? "-")" }
                == ["resolved 13.107.0.0/16", "resolved 40.107.0.0/16"])
        // The RIB takes routes again after being emptied whole.
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075], time: 7)
        #expect(h.engine.rib.count == 1)
        #expect(h.engine.rib.routeCount(for: IPPrefix("13.107.0.0/16")!) == 1)
    }

    @Test("the RIB bound: routes past it are counted, not stored; room made by a withdrawal is used again")
    func ribBound() {
        let h = EngineHarness()
        var options = DetectionEngine.Options()
        options.maximumRIBEntries = 2
        h.engine = DetectionEngine(registry: testRegistry(), options: options) { [unowned h] in h.events.append($0) }
        h.update(announce: ["13.107.0.0/16", "40.107.0.0/16"], path: [64496, 3356, 8075])
        h.update(announce: ["198.51.100.0/24"], path: [64496, 64500, 64501])
        #expect(h.engine.rib.count == 2 && h.engine.rib.dropped == 1)
        h.update(announce: ["13.107.0.0/16"], path: [64496, 174, 8075])  // replaces a stored route: not dropped
        #expect(h.engine.rib.count == 2 && h.engine.rib.dropped == 1)
        h.update(withdraw: ["40.107.0.0/16"])
        h.update(announce: ["198.51.100.0/24"], path: [64496, 64500, 64501])
        #expect(h.engine.rib.count == 2 && h.engine.rib.dropped == 1)
        #expect(h.engine.rib.routeCount(for: IPPrefix("198.51.100.0/24")!) == 1)
        #expect(h.engine.rib.routes(for: IPPrefix("13.107.0.0/16")!).first?.path.asns.contains(174) == true)
    }

    @Test("one prefix keeps at most 4,096 routes over all sessions; more are counted, not scanned on every update")
    func perPrefixBound() {
        let h = EngineHarness()
        let limit = WatchedRIB.maximumRoutesPerPrefix
        func session(_ id: Int) -> SessionInfo {  // neighbors 10.0.0.0/8: more than otherNeighbor's 255
            var s = neighbor
            s.id = id
            s.neighbor = .v4(IPv4Address(UInt32(10 << 24 | id)))
            return s
        }
        for id in 1...(limit + 1) {
            h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075], session: session(id))
        }
        let prefix = IPPrefix("13.107.0.0/16")!
        #expect(h.engine.rib.routeCount(for: prefix) == limit && h.engine.rib.dropped == 1)
        // A session already stored still updates its route.
        h.update(announce: ["13.107.0.0/16"], path: [64496, 174, 8075], session: session(1))
        #expect(h.engine.rib.routeCount(for: prefix) == limit && h.engine.rib.dropped == 1)
        // Other prefixes are not affected.
        h.update(announce: ["40.107.0.0/16"], path: [64496, 3356, 8075], session: session(limit + 1))
        #expect(h.engine.rib.routeCount(for: IPPrefix("40.107.0.0/16")!) == 1)
    }

    @Test("session close: routes gone, no withdrawn alert, session-down until the neighbor is back")
    func sessionClose() {
        let h = EngineHarness()
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075])
        h.engine.sessionClosed(neighbor, cause: "NOTIFICATION Cease", time: 1, evidence: nil)
        #expect(h.summary == ["firing session-down "])
        h.engine.sessionEstablished(neighbor, time: 2)
        #expect(h.summary == ["firing session-down ", "resolved session-down re-established"])
        // End of a replayed capture is not a failure.
        h.engine.sessionClosed(neighbor, cause: nil, time: 3, evidence: nil)
        #expect(h.events.count == 2)
    }

    @Test("explicit withdrawal of the last legitimate route fires withdrawn; re-announcement resolves it")
    func withdrawnLifecycle() {
        let h = EngineHarness()
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075])
        h.update(withdraw: ["13.107.0.0/16"])
        h.update(announce: ["13.107.0.0/16"], path: [64496, 3356, 8075])
        #expect(h.summary == ["firing withdrawn ", "resolved withdrawn replaced"])
    }

    @Test("reminders after renotifyAfter while open")
    func reminder() {
        let h = EngineHarness()
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666], time: 0)
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666], time: 3_599_000_000)
        h.update(announce: ["13.107.0.0/16"], path: [64496, 64666], time: 3_600_000_001)
        #expect(h.events.count == 2 && h.events[1].reminder)
    }

    @Test("unrelated Internet routes never enter the RIB")
    func unrelated() {
        let h = EngineHarness()
        h.update(announce: ["8.8.8.0/24", "1.1.1.0/24"], path: [64496, 15169])
        #expect(h.engine.rib.count == 0 && h.events.isEmpty)
        #expect(h.engine.statistics.watchedAnnouncements == 0)
    }
}

/// The engine reads a one-AS_SEQUENCE path straight from the UPDATE's bytes (`ObservedPath(oneSequenceOf:)`);
/// it must give what the decoded path gives, and leave every other path (sets, confederation segments, several
/// segments, AS4_PATH on a 2-octet session) to it.
@Suite("Observed path read from the bytes")
struct ObservedPathTests {
    @Test("agrees with the path decoded from the same UPDATE, on 2- and 4-octet sessions")
    func oneSequenceFromBytes() {
        var rng = TrieTests.Random(state: 5)
        var fastReadings = 0
        for _ in 0..<4_000 {
            let fourOctet = rng.next() % 3 != 0
            let maximum: ASN = fourOctet ? .max : 0xFFFF
            func path() -> ASPath {
                ASPath((0..<(1 + Int(rng.next() % 3))).map { _ in
                    let kind = rng.next() % 4 == 0 ? ASPathSegment.Kind(rawValue: UInt8(1 + rng.next() % 4)) : .sequence
                    let asns = (0..<(1 + Int(rng.next() % 6))).map { _ in
                        rng.next() % 3 == 0 ? 8075 : ASN(truncatingIfNeeded: rng.next()) % maximum
                    }
                    return ASPathSegment(kind ?? .sequence, asns)
                })
            }
            var a = PathAttributes()
            a.origin = .igp
            a.asPath = path()
            a.nextHop = IPv4Address(192, 0, 2, 2)
            if !fourOctet, rng.next() % 2 == 0 { a.as4Path = path() }
            if rng.next() % 4 == 0 { a.otc = 64500 }
            let nlri = [Route(prefix: IPPrefix("10.0.0.0/8")!)]
            let update = UpdateMessage(withdrawnRoutes: [], attributes: a, nlri: nlri, fourOctetAS: fourOctet)
            let context = DecodingContext(fourOctetAS: fourOctet)
            BGPMessage.update(update).encoded(context: context).withUnsafeBytes { raw in
                let view = UpdateView(raw, context: context)
                let decoded = ObservedPath(asPath: view.effectiveASPath(), otc: view.otc)
                let fromBytes = ObservedPath(oneSequenceOf: view)
                let segments = view.effectiveASPath()?.segments
                let oneSequence = segments.map { $0.count == 1 && $0[0].kind == .sequence }
                let shown = "\(a.asPath?.description ?? "") / \(a.as4Path?.description ?? "-")"
                #expect((fromBytes ?? decoded) == decoded, "\(shown)")
                #expect(decoded.asPath == view.effectiveASPath())
                #expect(fromBytes == nil || oneSequence == true)
                if let fromBytes, let asns = view.effectiveASPath()?.segments.first?.asns {
                    fastReadings += 1
                    // The facts as ARTEMIS-style path analysis defines them, computed here independently.
                    let collapsed = asns.enumerated().filter { $0.offset == 0 || asns[$0.offset - 1] != $0.element }
                        .map(\.element)
                    #expect(fromBytes.asns == asns)
                    #expect(fromBytes.origin == asns.last && fromBytes.firstAS == asns.first)
                    #expect(fromBytes.distinctLength == collapsed.count && fromBytes.collapsed == collapsed)
                    #expect(fromBytes.originNeighbor == (collapsed.count >= 2 ? collapsed[collapsed.count - 2] : nil))
                    #expect(fromBytes.otc == view.otc)
                }
            }
        }
        #expect(fastReadings > 500)
    }
}
