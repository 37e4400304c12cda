import BGPWire
import Detection
import Testing

/// Worked examples in the style of the ASPA-verification draft: O originates, A is O's provider, A and B peer,
/// B is C's provider and C is D's provider; records list each customer's providers.
@Suite("ASPA path verification")
struct ASPATests {
    static let O: ASN = 65001, A: ASN = 65002, B: ASN = 65003, C: ASN = 65004, D: ASN = 65005, X: ASN = 65006
    /// X is a customer of both A and C (multi-homed).
    static let aspas: [ASN: Set<ASN>] = [O: [A], A: [65100], B: [65101], C: [B], D: [C], X: [A, C]]

    func verify(_ asns: [ASN], upstream: Bool, neighbor: ASN? = nil, aspas: [ASN: Set<ASN>] = ASPATests.aspas) -> ASPALeak.Outcome {
        ASPALeak.verify(path: ASPath([ASPathSegment(.sequence, asns)]), neighbor: neighbor ?? asns.first, upstream: upstream, aspas: aspas)
    }

    @Test("upstream: only up is valid; a missing record is unknown; a non-provider hop is invalid")
    func upstream() {
        #expect(verify([Self.A, Self.O], upstream: true) == .valid)
        #expect(verify([Self.A, Self.A, Self.O, Self.O], upstream: true) == .valid)  // prepends collapse
        #expect(verify([65100, Self.A, Self.O], upstream: true) == .valid)
        #expect(verify([Self.B, Self.A, Self.O], upstream: true) == .invalid(from: Self.A, to: Self.B))  // A → peer B, then up
        #expect(verify([65999, 65998, Self.O], upstream: true) == .invalid(from: Self.O, to: 65998))
        #expect(verify([65999, 65998], upstream: true) == .unknown)  // 65998 has no record
    }

    @Test("downstream: up-ramp, one peering, down-ramp is valid; a valley is invalid")
    func downstream() {
        // O → A (up), A — B (peer), B → C → D (down): received by D's customer from D.
        #expect(verify([Self.D, Self.C, Self.B, Self.A, Self.O], upstream: false) == .valid)
        // A single lateral hop between the ramps (A — C) is allowed.
        #expect(verify([Self.D, Self.C, Self.A, Self.O], upstream: false) == .valid)
        // Leak: O → A (up), A → X (down to its customer), X → C (up to its other provider: the leak), C → D (down).
        #expect(verify([Self.D, Self.C, Self.X, Self.A, Self.O], upstream: false) == .invalid(from: Self.A, to: Self.X))
        // The same path with C's record missing: unknown, not invalid.
        var partial = Self.aspas
        partial[Self.D] = nil
        #expect(verify([Self.D, Self.C, Self.B, Self.A, Self.O], upstream: false, aspas: partial) == .unknown)
    }

    @Test("AS_SET or a first AS that is not the neighbor is invalid")
    func shape() {
        let withSet = ASPath([ASPathSegment(.sequence, [Self.A]), ASPathSegment(.set, [Self.O, 65010])])
        #expect(ASPALeak.verify(path: withSet, neighbor: Self.A, upstream: true, aspas: Self.aspas) == .invalid(from: nil, to: nil))
        #expect(verify([Self.A, Self.O], upstream: true, neighbor: Self.B) == .invalid(from: nil, to: nil))
        // A route server does not appear in the path: the neighbor check is skipped.
        #expect(ASPALeak.verify(path: ASPath([ASPathSegment(.sequence, [Self.A, Self.O])]), neighbor: 64999, upstream: true,
                                transparentNeighbor: true, aspas: Self.aspas) == .valid)
    }

    @Test("the detector names the leaker and merges with other methods")
    func detector() {
        let r = testRegistry()
        let rpki = RPKIData(vrps: [], aspas: [8075: [3356], 3356: [1], 174: [3356]])
        let p = IPPrefix("40.107.0.0/16")!
        func run(_ asns: [ASN], role: BGPRole?) -> [Finding] {
            var s = neighbor
            s.role = role
            s.neighborASN = asns.first
            return RouteDetectors.run(RouteInput(prefix: p, path: path(asns), session: s, registered: r.entry(covering: p),
                                                 registry: r, dataSets: DataSets(rpki: rpki)))
        }
        // From a customer: 8075 → 3356 (up) → 174 (down!) → 64496: invalid at 3356 → 174, leaker 174.
        let f = run([64496, 174, 3356, 8075], role: .customer)
        #expect(f.first?.methods == ["aspa"] && f.first?.leaker == 174)
        // The same path from a provider is a normal downstream path.
        #expect(run([174, 3356, 8075], role: .provider).isEmpty)
    }
}
