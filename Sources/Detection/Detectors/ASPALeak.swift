import BGPWire

/// `route-leak`, method `aspa`: AS_PATH verification with ASPA records (IETF SIDROPS ASPA-verification draft).
///
/// The collapsed path AS(N)…AS(1) (AS(1) the origin, AS(N) the neighbor) is checked hop by hop with
/// hop(a, b) = No Attestation (a has no ASPA), Provider+ (b is among a's providers) or Not Provider+.
/// Routes from customers, peers and route-server clients must only go up (upstream verification); routes
/// from a provider — or of unknown role — may go up, cross one peering and come down (downstream
/// verification with up- and down-ramps). An AS_SET makes the path Invalid. The first offending pair is
/// named; the AS that passed the route on after it (AS(i+1) of a Not Provider+ hop) is the leaker.
public enum ASPALeak {
    public static let method = "aspa"

    public enum Outcome: Equatable, Sendable {
        case valid, unknown
        /// Invalid, with the offending pair (from, to) when there is one (none for AS_SET or a wrong first AS).
        case invalid(from: ASN?, to: ASN?)
    }

    enum Hop {
        case noAttestation, providerPlus, notProviderPlus
    }

    /// Verifies `path` (neighbor first, origin last, as on the wire) received from `neighbor`.
    public static func verify(path asPath: ASPath?, neighbor: ASN?, upstream: Bool, transparentNeighbor: Bool = false,
                              aspas: [ASN: Set<ASN>]) -> Outcome {
        guard let asPath else { return .invalid(from: nil, to: nil) }
        var collapsed: [ASN] = []
        for segment in asPath.segments {
            switch segment.kind {
            case .set: return .invalid(from: nil, to: nil)
            case .sequence: for a in segment.asns where collapsed.last != a { collapsed.append(a) }
            case .confedSequence, .confedSet: continue
            }
        }
        let n = collapsed.count
        guard n > 0 else { return .invalid(from: nil, to: nil) }
        if !transparentNeighbor, let neighbor, collapsed[0] != neighbor { return .invalid(from: nil, to: nil) }
        // as_(i): 1 = origin … n = neighbor.
        func at(_ i: Int) -> ASN { collapsed[n - i] }
        func hop(_ a: ASN, _ b: ASN) -> Hop {
            guard let providers = aspas[a] else { return .noAttestation }
            return providers.contains(b) ? .providerPlus : .notProviderPlus
        }
        guard n > 1 else { return .valid }
        // Up-ramp from the origin: the first i with hop(AS(i), AS(i+1)) Not Provider+ (max) / not Provider+ (min).
        var maxUp = n, minUp = n
        var firstBadUp: (ASN, ASN)?
        for i in 1..<n {
            let h = hop(at(i), at(i + 1))
            if h != .providerPlus && minUp == n { minUp = i }
            if h == .notProviderPlus {
                maxUp = i
                firstBadUp = (at(i), at(i + 1))
                break
            }
        }
        if upstream {
            if let bad = firstBadUp { return .invalid(from: bad.0, to: bad.1) }
            return minUp < n ? .unknown : .valid
        }
        // Down-ramp from the neighbor: the first j (going down from n) with hop(AS(j), AS(j-1)) Not Provider+.
        var maxDown = n, minDown = n
        var j = n
        while j > 1 {
            let h = hop(at(j), at(j - 1))
            if h != .providerPlus && minDown == n { minDown = n - j + 1 }
            if h == .notProviderPlus {
                maxDown = n - j + 1
                break
            }
            j -= 1
        }
        if maxUp + maxDown < n {
            let bad = firstBadUp ?? (at(maxUp), at(maxUp + 1))
            return .invalid(from: bad.0, to: bad.1)
        }
        return minUp + minDown < n ? .unknown : .valid
    }

    public static func check(_ input: RouteInput) -> Finding? {
        guard let rpki = input.dataSets.rpki, !rpki.aspas.isEmpty, let r = input.registered, let o = input.path.origin,
            r.origins.contains(o)
        else { return nil }
        let role = input.session.role
        let upstream = role == .customer || role == .peer || role == .routeServerClient
        let outcome = verify(path: input.path.asPath, neighbor: input.session.neighborASN, upstream: upstream,
                             transparentNeighbor: role == .routeServer, aspas: rpki.aspas)
        guard case .invalid(let from, let to) = outcome else { return nil }
        let leaker = to ?? input.session.neighborASN
        let pair = from.flatMap { f in to.map { "AS\(f) → AS\($0)" } } ?? "path shape"
        return Finding(.routeLeak, prefix: input.prefix, offender: leaker, registered: r, methods: [method], leaker: leaker,
                       summary: "\(input.prefix) of \(input.registry.name(o)) fails ASPA \(upstream ? "upstream" : "downstream") verification at \(pair)")
    }
}
