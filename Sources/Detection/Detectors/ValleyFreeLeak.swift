import BGPWire

/// `route-leak`, method `valley-free` (Gao–Rexford; RFC 7908 types 1–4): walking the path from the origin
/// towards us, once the route has gone down (provider→customer) or across (peer→peer) it must not go up or
/// across again. The AS that sends it up or across at that point is the leaker. Steps with unknown
/// relationships are skipped, so they never cause an alert. The last hop, neighbor → local router, counts
/// when the neighbor's BGP Role (RFC 9234) is known.
public enum ValleyFreeLeak {
    public static let method = "valley-free"

    enum Step {
        case up, across, down
    }

    public static func check(_ input: RouteInput, relationships: ASRelationships?) -> Finding? {
        guard let rel = relationships, let r = input.registered, let o = input.path.origin, r.origins.contains(o) else {
            return nil
        }
        var hops: [(from: ASN, step: Step?)] = []
        let path = input.path.collapsed
        guard path.count >= 1 else { return nil }
        // From the origin towards the observer: path[i] received it from path[i + 1].
        var i = path.count - 1
        while i > 0 {
            let from = path[i], to = path[i - 1]
            let step: Step?
            switch rel.relation(from, to) {
            case .customerOf: step = .up
            case .peer: step = .across
            case .providerOf: step = .down
            case nil: step = nil
            }
            hops.append((from, step))
            i -= 1
        }
        if let neighbor = path.first, let role = input.session.role {
            // The neighbor's own role towards us: a customer sends up, a peer or route server across, a provider down.
            let step: Step
            switch role {
            case .customer: step = .up
            case .provider: step = .down
            default: step = .across
            }
            hops.append((neighbor, step))
        }
        var descended = false
        for hop in hops {
            guard let step = hop.step else { continue }
            if descended && (step == .up || step == .across) {
                return Finding(.routeLeak, prefix: input.prefix, offender: hop.from, registered: r, methods: [method], leaker: hop.from,
                               summary: "\(input.prefix) of \(input.registry.name(o)) leaked by \(input.registry.name(hop.from)): it was sent \(step == .up ? "up to a provider" : "across to a peer") after coming down or across (valley in \(path.map(String.init).joined(separator: " ")))")
            }
            if step == .down || step == .across { descended = true }
        }
        return nil
    }
}
