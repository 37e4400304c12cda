import BGPWire

/// `origin-hijack`: P equals a registered prefix R and its origin is not one of R's origins.
public enum OriginHijack {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, !r.origins.isEmpty, r.prefix == input.prefix,
            let o = input.path.origin, !r.origins.contains(o)
        else { return nil }
        let owners = r.origins.map(input.registry.name).joined(separator: ", ")
        return Finding(.originHijack, prefix: input.prefix, offender: o, registered: r,
                       summary: "\(input.prefix) originated by \(input.registry.name(o)), registered to \(owners)")
    }
}
