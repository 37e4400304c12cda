import BGPWire

/// The evidence of an alert: where in the capture and the exact UPDATE (or NOTIFICATION) bytes.
public struct Evidence: Sendable, Hashable {
    public var position: SourcePosition
    public var message: [UInt8]

    public init(position: SourcePosition, message: [UInt8]) {
        self.position = position
        self.message = message
    }
}

/// A neighbor that carried an alert's offending route.
public struct Observer: Sendable, Hashable, Comparable {
    public var neighbor: IPAddress
    public var neighborASN: ASN?

    public static func < (a: Observer, b: Observer) -> Bool { (a.neighbor, a.neighborASN ?? 0) < (b.neighbor, b.neighborASN ?? 0) }
}

/// One alert's state over its lifetime (docs/DETECTION.md, "Alert lifecycle").
public struct Alert: Sendable {
    public var identity: AlertIdentity
    public var finding: Finding
    public var severity: Severity { identity.type.severity }
    public var path: ObservedPath?
    public var session: SessionInfo?
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var observations = 1
    public var seenBy: Set<Observer> = []
    public var evidence: Evidence?
    /// RIB entries (session, direction, route) currently carrying the offending route.
    var carriers = 0
    var lastNotified: Int64
}

/// Why an alert resolved.
public enum ResolveReason: String, Sendable {
    case withdrawn
    case replaced
    case sessionClosed = "session-closed"
    /// `session-down` only: the same neighbor's session is up again.
    case reestablished = "re-established"
}

/// What sinks see: an alert snapshot and whether it fires, fires again (reminder) or resolves.
public struct AlertEvent: Sendable {
    public enum Status: String, Sendable {
        case firing, resolved
    }

    public var status: Status
    public var alert: Alert
    public var reason: ResolveReason?
    /// True for a `renotifyAfter` reminder of an alert that is still open.
    public var reminder: Bool
    /// Event time (capture time in replay), µs since the epoch.
    public var time: Int64
    /// The message that resolved it, when one did.
    public var resolvingEvidence: Evidence?
}
