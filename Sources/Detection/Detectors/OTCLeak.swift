import BGPWire

/// `route-leak`, method `otc` (RFC 9234 §5): with the BGP Role of the session known, a route carrying
/// Only-to-Customer that arrives from a customer or route-server client was leaked by that neighbor; from a
/// peer, an OTC value other than the peer's ASN means the peer passed on a route it should have kept. The
/// egress rule (a route with OTC sent to a provider, peer or route server) is the same event seen from the
/// sender's side, so each UPDATE is judged once, with the sender as the leaker.
public enum OTCLeak {
    public static let method = "otc"

    public static func check(_ input: RouteInput) -> Finding? {
        guard let otc = input.path.otc, let r = input.registered, let leaker = input.session.neighborASN,
            let role = senderRole(input.session)
        else { return nil }
        let leaked: Bool
        switch role {
        case .customer, .routeServerClient: leaked = true
        case .peer: leaked = otc != leaker
        default: leaked = false
        }
        guard leaked else { return nil }
        return Finding(.routeLeak, prefix: input.prefix, offender: leaker, registered: r, methods: [method], leaker: leaker,
                       summary: "\(input.prefix) carries Only-to-Customer AS\(otc) but \(input.registry.name(leaker)), our \(role), passed it on (RFC 9234)")
    }

    /// The sender's role towards the receiver: its own Role capability, or the mirror of the receiver's.
    static func senderRole(_ s: SessionInfo) -> BGPRole? {
        if let r = s.role { return r }
        switch s.localRole {
        case .provider?: return .customer
        case .customer?: return .provider
        case .peer?: return .peer
        case .routeServer?: return .routeServerClient
        case .routeServerClient?: return .routeServer
        default: return nil
        }
    }
}
