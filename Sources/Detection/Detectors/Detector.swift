import BGPWire

/// What a route detector sees: one announced route, the registered entry covering it (if any), the registry.
/// Detectors are pure functions of this input, so each is testable alone.
public struct RouteInput: Sendable {
    public var prefix: IPPrefix
    public var path: ObservedPath
    public var session: SessionInfo
    /// The most specific registered prefix covering `prefix`, if any.
    public var registered: RegisteredPrefix?
    public var registry: Registry

    public init(prefix: IPPrefix, path: ObservedPath, session: SessionInfo, registered: RegisteredPrefix?, registry: Registry) {
        self.prefix = prefix
        self.path = path
        self.session = session
        self.registered = registered
        self.registry = registry
    }
}

/// The per-route detectors in evaluation order. A route can raise several findings (e.g. a path hijack
/// that is also a leak); origin problems make the origin-dependent checks moot, so they stop there.
public enum RouteDetectors {
    public static func run(_ input: RouteInput) -> [Finding] {
        if let f = Squat.check(input) { return [f] }
        if let f = OriginHijack.check(input) { return [f] }
        if let f = SubprefixHijack.check(input) { return [f] }
        var out: [Finding] = []
        if let f = MoreSpecific.check(input) { out.append(f) }
        if let f = PathHijack.check(input) { out.append(f) }
        if let f = PartnerPolicyLeak.check(input) { out.append(f) }
        if let f = UnexpectedPrefix.check(input) { out.append(f) }
        return out
    }
}
