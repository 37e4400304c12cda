import BGPWire

/// `withdrawn`: a registered prefix that was announced with a legitimate origin is now explicitly withdrawn
/// on every session that carried it. Losses by session close do not count (session-down says it).
public enum Withdrawn {
    public static func check(prefix: IPPrefix, registered: RegisteredPrefix?, remainingRoutes: Int,
                             removedPath: ObservedPath, registry: Registry) -> Finding? {
        guard let r = registered, r.prefix == prefix, remainingRoutes == 0, let o = removedPath.origin,
            r.origins.contains(o)
        else { return nil }
        return Finding(.withdrawn, prefix: prefix, offender: nil, registered: r,
                       summary: "registered prefix \(prefix) of \(registry.name(o)) is withdrawn on every session that carried it")
    }
}
