import BGPWire

/// `subprefix-hijack`: a registered prefix R covers P, P is longer, and P's origin is not one of R's origins.
public enum SubprefixHijack {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, !r.origins.isEmpty, input.prefix.length > r.prefix.length,
            let o = input.path.origin, !r.origins.contains(o)
        else { return nil }
        let owners = r.origins.map(input.registry.name).joined(separator: ", ")
        return Finding(.subprefixHijack, prefix: input.prefix, offender: o, registered: r,
                       summary: "\(input.prefix), inside \(r.prefix) of \(owners), originated by \(input.registry.name(o))")
    }
}
