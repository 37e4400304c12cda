import BGPWire

/// `squat`: something is announced inside a registered prefix whose origins are `[]` (must stay dark).
public enum Squat {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, r.origins.isEmpty else { return nil }
        let who = input.path.origin.map(input.registry.name) ?? "an AS_SET origin"
        return Finding(.squat, prefix: input.prefix, offender: input.path.origin, registered: r,
                       summary: "\(input.prefix) announced by \(who) inside \(r.prefix), which must not be announced")
    }
}
