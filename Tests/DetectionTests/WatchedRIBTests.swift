import BGPWire
@testable import Detection
import Testing

/// `WatchedRIB` keeps each prefix's routes as a chain in one slot pool; here it is held to a plain model (a list of
/// routes per prefix) over random upserts, removals and session closes, with a small bound so that the full table
/// is exercised too.
@Suite("WatchedRIB against a model")
struct WatchedRIBTests {
    /// A route as the model keeps it: its key and entry, in the order first stored.
    typealias Route = (key: WatchedRIB.Key, entry: WatchedRIB.Entry)

    struct Model {
        var routes: [IPPrefix: [Route]] = [:]
        var count = 0
        var dropped = 0
        let maximum: Int

        mutating func upsert(_ key: WatchedRIB.Key,
                             _ entry: WatchedRIB.Entry) -> (previous: WatchedRIB.Entry?, stored: Bool) {
            if let j = routes[key.prefix]?.firstIndex(where: { $0.key == key }) {
                let previous = routes[key.prefix]?[j].entry
                routes[key.prefix]?[j].entry = entry
                return (previous, true)
            }
            guard count < maximum else {
                dropped += 1
                return (nil, false)
            }
            routes[key.prefix, default: []].append((key, entry))
            count += 1
            return (nil, true)
        }

        mutating func remove(_ key: WatchedRIB.Key) -> WatchedRIB.Entry? {
            guard let j = routes[key.prefix]?.firstIndex(where: { $0.key == key }) else { return nil }
            let old = routes[key.prefix]?.remove(at: j).entry
            if routes[key.prefix]?.isEmpty == true { routes[key.prefix] = nil }
            count -= 1
            return old
        }

        /// The session's routes are gone; returned: those with alerts or of a notable prefix, sorted.
        mutating func removeSession(_ session: Int, notable: Set<IPPrefix>) -> [Route] {
            var out: [Route] = []
            for prefix in Array(routes.keys) {
                let (gone, kept) = (routes[prefix] ?? []).reduce(into: ([Route](), [Route]())) { acc, route in
                    if route.key.session == session { acc.0.append(route) } else { acc.1.append(route) }
                }
                out += gone.filter { !$0.entry.alerts.isEmpty || notable.contains(prefix) }
                count -= gone.count
                routes[prefix] = kept.isEmpty ? nil : kept
            }
            return out.sorted { a, b in
                (a.key.prefix, a.key.sender, a.key.pathID) < (b.key.prefix, b.key.sender, b.key.pathID)
            }
        }
    }

    /// xorshift64*: a fixed sequence, so that a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 2_685_821_657_736_338_717) >> 33) % n
        }
    }

    /// An entry told apart by its path's one AS, with an alert or none.
    static func entry(_ tag: Int, alert: Bool, prefix: IPPrefix) -> WatchedRIB.Entry {
        let path = ObservedPath(asPath: ASPath([ASPathSegment(.sequence, [ASN(64_496 + tag)])]))
        let alerts = alert ? [AlertIdentity(type: .originHijack, prefix: prefix, offender: ASN(64_496 + tag))] : []
        return WatchedRIB.Entry(path: path, alerts: alerts)
    }

    static func same(_ a: WatchedRIB.Entry?, _ b: WatchedRIB.Entry?) -> Bool {
        a?.path.asns == b?.path.asns && a?.alerts == b?.alerts
    }

    @Test("random upserts, removals and session closes read back as the model's", arguments: [true, false])
    func randomOperations(releasesDroppedTables: Bool) throws {
        let prefixes = ["13.107.0.0/16", "13.107.6.0/24", "40.92.0.0/15", "52.96.0.0/14", "192.0.2.0/24",
                        "2603:1006::/40", "2a01:111:f400::/48", "2001:db8::/32"].compactMap { IPPrefix($0) }
        let senders: [IPAddress] = [.v4(IPv4Address(0xC000_0201)), .v4(IPv4Address(0xC000_0202))]
        var rib = WatchedRIB(maximumEntries: 20, expectedEntries: 8, releasesDroppedTables: releasesDroppedTables)
        var model = Model(maximum: 20)
        var random = Random(state: 0x9E37_79B9_7F4A_7C15)
        var closes = 0, fullDrops = 0
        for step in 0..<20_000 {
            let prefix = prefixes[random.next(prefixes.count)]
            let key = WatchedRIB.Key(session: 1 + random.next(3), sender: senders[random.next(2)],
                                     pathID: UInt32(random.next(3)), prefix: prefix)
            switch random.next(20) {
            case 0..<12:
                let entry = Self.entry(random.next(1000), alert: random.next(4) == 0, prefix: prefix)
                let got = rib.upsert(key, entry), want = model.upsert(key, entry)
                #expect(got.stored == want.stored && Self.same(got.previous, want.previous), "step \(step): upsert")
                if !want.stored { fullDrops += 1 }
            case 12..<19:
                #expect(Self.same(rib.remove(key), model.remove(key)), "step \(step): remove")
            default:
                let notable = Set(prefixes.filter { _ in random.next(3) == 0 })
                let got = rib.removeSession(key.session, notablePrefixes: notable)
                let want = model.removeSession(key.session, notable: notable)
                #expect(got.map(\.0) == want.map(\.key), "step \(step): removeSession keys")
                #expect(zip(got, want).allSatisfy { Self.same($0.1, $1.entry) }, "step \(step): removeSession entries")
                closes += 1
            }
            #expect(rib.count == model.count && rib.dropped == model.dropped, "step \(step): counts")
            for p in prefixes {
                let want = model.routes[p] ?? []
                #expect(rib.routes(for: p).map(\.path.asns) == want.map(\.entry.path.asns), "step \(step): \(p)")
                #expect(rib.routeSessions(for: p) == want.map(\.key.session), "step \(step): sessions of \(p)")
                #expect(rib.routeCount(for: p) == want.count)
            }
        }
        #expect(closes > 500 && fullDrops > 100, "the walk reached session closes and a full table")
    }
}
