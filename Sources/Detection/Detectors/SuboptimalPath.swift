import BGPWire

/// `suboptimal-path`: a prefix registered with `partner: X` is carried only on paths that do not start at X,
/// or that are longer than `maxPathLength`.
public enum SuboptimalPath {
    /// Whether `suboptimal-path` judges the routes for `prefix`: it is a partner's registered prefix itself
    /// (`registered` is the registry's entry covering it).
    public static func applies(to prefix: IPPrefix, registered: RegisteredPrefix?) -> Bool {
        guard let r = registered else { return false }
        return r.partner != nil && r.prefix == prefix
    }

    public static func isOptimal(_ path: ObservedPath, _ r: RegisteredPrefix) -> Bool {
        guard let partner = r.partner else { return true }
        let collapsed = path.collapsed
        // The path "starts at X" when X is the first AS, or right behind the neighbor that handed it to us.
        let viaPartner = collapsed.first == partner
            || (collapsed.count >= 2 && collapsed[1] == partner)
        let shortEnough = r.maxPathLength.map { path.distinctLength <= $0 } ?? true
        return viaPartner && shortEnough
    }

    public static func check(prefix: IPPrefix, registered: RegisteredPrefix?, paths: [ObservedPath], registry: Registry) -> Finding? {
        guard let r = registered, applies(to: prefix, registered: r), let partner = r.partner, let first = paths.first,
            !paths.contains(where: { isOptimal($0, r) })
        else { return nil }
        let shown = first.asns.map(String.init).joined(separator: " ")
        return Finding(.suboptimalPath, prefix: prefix, offender: first.firstAS, registered: r,
                       summary: "\(prefix) (registered via \(registry.name(partner))) is carried only on suboptimal paths, e.g. \(shown)")
    }
}
