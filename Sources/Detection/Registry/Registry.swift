import BGPWire

/// One protected prefix of the registry (`prefixes:` in prefixes.yaml, see docs/DETECTION.md).
public struct RegisteredPrefix: Sendable, Hashable {
    public var prefix: IPPrefix
    /// ASNs allowed to originate it; empty = must not be announced at all (squat).
    public var origins: [ASN]
    /// Longest legitimate more-specific (defaults to the prefix length).
    public var maxLength: UInt8
    /// ASNs allowed next to the origin in the path, when set.
    public var upstreams: [ASN]?
    public var group: String?
    public var description: String?
    /// Registered through this partner: the optimal route goes via it.
    public var partner: ASN?
    /// AS hops beyond which a route is suboptimal.
    public var maxPathLength: Int?
    /// Line of the entry in its file, for messages.
    public var line: Int

    public init(prefix: IPPrefix, origins: [ASN], maxLength: UInt8? = nil, upstreams: [ASN]? = nil, group: String? = nil,
                description: String? = nil, partner: ASN? = nil, maxPathLength: Int? = nil, line: Int = 0) {
        self.prefix = prefix
        self.origins = origins
        self.maxLength = maxLength ?? prefix.length
        self.upstreams = upstreams
        self.group = group
        self.description = description
        self.partner = partner
        self.maxPathLength = maxPathLength
        self.line = line
    }
}

/// A Peering Service partner (`partners:`): a network peering directly with the monitored AS.
public struct Partner: Sendable, Hashable {
    public var asn: ASN
    public var name: String?
    /// The partner's customer cone, when declared (used by the partner-policy leak check).
    public var customers: Set<ASN>?

    public init(asn: ASN, name: String? = nil, customers: Set<ASN>? = nil) {
        self.asn = asn
        self.name = name
        self.customers = customers
    }
}

/// The registered prefix table: what BGPSentry protects. Immutable once built; reloads swap a new one in. A
/// class: every route the engine judges hands it to the detectors (`RouteInput`), one retain instead of one per table.
public final class Registry: Sendable {
    public let version: Int
    public var monitoredASNs: Set<ASN> { monitored.all }
    public let monitored: MonitoredASNs
    public let asNames: [ASN: String]
    public let partners: [ASN: Partner]
    public let prefixes: [RegisteredPrefix]
    public let index: PrefixIndex
    /// Registered prefixes with a `partner`: the ones `suboptimal-path` judges (usually a handful; a session's end
    /// looks up their routes).
    public let partnerPrefixes: Set<IPPrefix>
    /// Where it was loaded from.
    public let source: String

    public init(version: Int = 1, monitoredASNs: Set<ASN> = [], asNames: [ASN: String] = [:], partners: [Partner] = [],
                prefixes: [RegisteredPrefix], source: String = "") {
        self.version = version
        self.monitored = MonitoredASNs(monitoredASNs)
        self.asNames = asNames
        self.partners = Dictionary(partners.map { ($0.asn, $0) }, uniquingKeysWith: { a, _ in a })
        self.prefixes = prefixes
        self.index = PrefixIndex(prefixes.map(\.prefix))
        self.partnerPrefixes = Set(prefixes.lazy.filter { $0.partner != nil }.map(\.prefix))
        self.source = source
    }

    /// The most specific registered entry covering `prefix`.
    @inline(__always)
    public func entry(covering prefix: IPPrefix) -> RegisteredPrefix? {
        index.longestMatch(prefix).map { prefixes[Int($0)] }
    }

    /// Whether `origin` is a monitored ASN (an UPDATE's origin; `nil` for an AS_SET or empty path).
    @inline(__always)
    public func isMonitored(_ origin: ASN?) -> Bool { monitored.contains(origin) }

    /// Whether the detection engine keeps track of `route`'s withdrawal: a plain (no route distinguisher) route
    /// for a prefix that covers, equals or lies inside a registered one (docs/DETECTION.md, "Alert lifecycle").
    @inline(__always)
    public func watchesWithdrawal(of route: Route) -> Bool {
        route.routeDistinguisher == nil && index.relates(route.prefix)
    }

    /// Whether the detection engine looks at the announcement of `route`: a watched prefix, or any plain prefix
    /// from a monitored origin (`unexpected-prefix`).
    @inline(__always)
    public func watchesAnnouncement(of route: Route, monitoredOrigin: Bool) -> Bool {
        route.routeDistinguisher == nil && (monitoredOrigin || index.relates(route.prefix))
    }

    /// `AS64500 (Example Telecom)` or `AS64500`.
    public func name(_ asn: ASN) -> String {
        if let n = asNames[asn] ?? partners[asn]?.name { return "AS\(asn) (\(n))" }
        return "AS\(asn)"
    }
}
