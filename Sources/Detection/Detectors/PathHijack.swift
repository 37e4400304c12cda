import BGPWire

/// `path-hijack`: the origin is legitimate but the AS next to it is not an allowed upstream
/// (a forged adjacency, ARTEMIS type 1). Prepends are collapsed first, so `… 8075 8075 8075` is fine.
public enum PathHijack {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, let upstreams = r.upstreams, let o = input.path.origin, r.origins.contains(o),
            let n1 = input.path.originNeighbor, !upstreams.contains(n1)
        else { return nil }
        let allowed = upstreams.map(String.init).joined(separator: ", ")
        return Finding(.pathHijack, prefix: input.prefix, offender: n1, registered: r,
                       summary: "\(input.prefix) reaches \(input.registry.name(o)) through \(input.registry.name(n1)), not an allowed upstream (\(allowed))")
    }
}
