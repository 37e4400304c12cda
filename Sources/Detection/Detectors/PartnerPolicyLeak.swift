import BGPWire

/// `route-leak`, method `partner-policy` (RFC 7908 types 1/4): a route originated by a monitored ASN (AS8075)
/// whose path shows a partner X followed, towards the observer, by an AS outside X's declared customers.
/// Partner-registered customer prefixes are not checked: their partner legitimately exports them upstream.
public enum PartnerPolicyLeak {
    public static let method = "partner-policy"

    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, let o = input.path.origin, r.origins.contains(o),
            input.registry.isMonitored(o)
        else { return nil }
        let path = input.path.collapsed
        // Walk from the observer side: path[i] received the route from path[i + 1].
        guard path.count >= 3 else { return nil }
        for i in 0..<(path.count - 2) {
            let receiver = path[i]
            let x = path[i + 1]
            guard x != o, let partner = input.registry.partners[x], let customers = partner.customers else { continue }
            if receiver != x && !customers.contains(receiver) {
                return Finding(.routeLeak, prefix: input.prefix, offender: x, registered: r, methods: [method], leaker: x,
                               summary: "\(input.prefix) of \(input.registry.name(o)) leaked by partner \(input.registry.name(x)) to \(input.registry.name(receiver)), outside its customer cone")
            }
        }
        return nil
    }
}
