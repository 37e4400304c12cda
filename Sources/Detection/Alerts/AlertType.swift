import BGPWire

/// The alert types of docs/DETECTION.md.
public enum AlertType: String, Sendable, Hashable, CaseIterable, Comparable {
    case originHijack = "origin-hijack"
    case subprefixHijack = "subprefix-hijack"
    case squat
    case pathHijack = "path-hijack"
    case moreSpecific = "more-specific"
    case routeLeak = "route-leak"
    case rpkiInvalid = "rpki-invalid"
    case withdrawn
    case suboptimalPath = "suboptimal-path"
    case unexpectedPrefix = "unexpected-prefix"
    case sessionDown = "session-down"

    public var severity: Severity {
        switch self {
        case .originHijack, .subprefixHijack, .squat, .pathHijack: .critical
        case .routeLeak, .rpkiInvalid, .withdrawn: .major
        case .moreSpecific, .suboptimalPath, .unexpectedPrefix, .sessionDown: .warning
        }
    }

    public static func < (a: AlertType, b: AlertType) -> Bool { a.rawValue < b.rawValue }
}

/// Alert severities, ordered: warning < major < critical.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case warning, major, critical

    var rank: Int {
        switch self {
        case .warning: 1
        case .major: 2
        case .critical: 3
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// An alert's identity (docs/DETECTION.md, "Alert lifecycle"): type, prefix and offender.
public struct AlertIdentity: Sendable, Hashable, Comparable {
    public var type: AlertType
    public var prefix: IPPrefix?
    public var offender: ASN?

    public init(type: AlertType, prefix: IPPrefix?, offender: ASN?) {
        self.type = type
        self.prefix = prefix
        self.offender = offender
    }

    /// Stable id: 64-bit FNV-1a of `type|prefix|offender`, hex. Same identity, same id, in every run and daemon.
    public var id: String {
        let text = "\(type.rawValue)|\(prefix?.description ?? "-")|\(offender.map(String.init) ?? "-")"
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func < (a: AlertIdentity, b: AlertIdentity) -> Bool {
        (a.type, a.prefix?.description ?? "", a.offender ?? 0) < (b.type, b.prefix?.description ?? "", b.offender ?? 0)
    }
}

/// What a detector reports for one route: the alert identity and the facts for its event.
///
/// The facts are boxed: a detector answers `Finding?`, and for a route that raises nothing (nearly every route)
/// that is now a null reference instead of a 184-byte optional that the detectors' chain copied some 25 times
/// per watched route (a tenth of the engine thread in the benchmark replay).
public struct Finding: Sendable, Hashable {
    private final class Facts: Sendable {
        let identity: AlertIdentity
        let registered: RegisteredPrefix?
        let methods: [String]
        let leaker: ASN?
        let summary: String

        init(identity: AlertIdentity, registered: RegisteredPrefix?, methods: [String], leaker: ASN?, summary: String) {
            self.identity = identity
            self.registered = registered
            self.methods = methods
            self.leaker = leaker
            self.summary = summary
        }
    }

    private var facts: Facts

    public var identity: AlertIdentity { facts.identity }
    public var registered: RegisteredPrefix? { facts.registered }
    /// Route-leak methods that flagged it (`partner-policy`, later `valley-free`, `otc`, `aspa`).
    public var methods: [String] { facts.methods }
    public var leaker: ASN? { facts.leaker }
    public var summary: String { facts.summary }

    public init(_ type: AlertType, prefix: IPPrefix?, offender: ASN?, registered: RegisteredPrefix?,
                methods: [String] = [], leaker: ASN? = nil, summary: String) {
        facts = Facts(identity: AlertIdentity(type: type, prefix: prefix, offender: offender), registered: registered,
                      methods: methods, leaker: leaker, summary: summary)
    }

    public var type: AlertType { identity.type }

    /// Adds methods of another finding with the same identity (one alert, every method listed).
    public mutating func merge(methods other: [String]) {
        let added = other.filter { !methods.contains($0) }
        guard !added.isEmpty else { return }
        facts = Facts(identity: identity, registered: registered, methods: methods + added, leaker: leaker,
                      summary: summary)
    }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.facts === b.facts
            || (a.identity == b.identity && a.registered == b.registered && a.methods == b.methods
                && a.leaker == b.leaker && a.summary == b.summary)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(identity)
        hasher.combine(registered)
        hasher.combine(methods)
        hasher.combine(leaker)
        hasher.combine(summary)
    }
}
