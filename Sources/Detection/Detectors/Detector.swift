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
    public var dataSets: DataSets

    public init(prefix: IPPrefix, path: ObservedPath, session: SessionInfo, registered: RegisteredPrefix?, registry: Registry,
                dataSets: DataSets = DataSets()) {
        self.prefix = prefix
        self.path = path
        self.session = session
        self.registered = registered
        self.registry = registry
        self.dataSets = dataSets
    }
}

/// The per-route detectors in evaluation order. A route can raise several findings (e.g. a path hijack
/// that is also a leak); origin problems make the origin-dependent checks moot, so they stop there.
public enum RouteDetectors {
    public static func run(_ input: RouteInput) -> [Finding] {
        // RPKI validity is independent of the registry's verdict: reported alongside a hijack.
        let rov = RPKIInvalid.check(input).map { [$0] } ?? []
        if let f = Squat.check(input) { return [f] + rov }
        if let f = OriginHijack.check(input) { return [f] + rov }
        if let f = SubprefixHijack.check(input) { return [f] + rov }
        var out: [Finding] = rov
        if let f = MoreSpecific.check(input) { out.append(f) }
        if let f = PathHijack.check(input) { out.append(f) }
        // Built only when a method flags the route (per watched route: no array otherwise).
        var leaks: [Finding] = []
        if let f = PartnerPolicyLeak.check(input) { leaks.append(f) }
        if let f = ValleyFreeLeak.check(input, relationships: input.dataSets.asRelationships) { leaks.append(f) }
        if let f = OTCLeak.check(input) { leaks.append(f) }
        if let f = ASPALeak.check(input) { leaks.append(f) }
        if !leaks.isEmpty { out += mergeLeaks(leaks) }
        if let f = UnexpectedPrefix.check(input) { out.append(f) }
        return out
    }

    /// Leak findings naming the same leaker are one alert listing every method that flagged it.
    static func mergeLeaks(_ leaks: [Finding]) -> [Finding] {
        var merged: [Finding] = []
        for leak in leaks {
            if let i = merged.firstIndex(where: { $0.identity == leak.identity }) {
                merged[i].merge(methods: leak.methods)
            } else {
                merged.append(leak)
            }
        }
        return merged
    }
}
