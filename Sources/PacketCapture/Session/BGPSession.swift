import BGPWire

/// How a direction's `DecodingContext` was learned.
public enum ContextSource: String, Sendable {
    /// From both speakers' OPEN messages (RFC 5492 capability negotiation).
    case negotiated
    /// Inferred from UPDATE bytes because the capture started mid-session: exactly one reading parsed cleanly.
    case inferred
    /// Several readings parsed cleanly so far; the preferred one is used and the session is flagged.
    case ambiguous
    /// Nothing seen yet: 4-octet AS, no ADD-PATH.
    case assumed
    /// Set by configuration for a mid-session start.
    case configured
}

/// Why a session ended.
public enum SessionCloseReason: String, Sendable {
    case fin, rst, idle, evicted, notification, endOfCapture = "end-of-capture", newConnection = "new-connection"
}

/// One BGP session = one TCP connection (RFC 4271 §8). Endpoint 0 is the lower (address, port) of the pair;
/// "direction d" means messages sent by endpoint d. Holds what the OPENs negotiated and per-direction counters.
public final class BGPSession {
    /// Sequential id in order of first appearance (stable across runs of the same capture).
    public let id: Int
    public let endpoints: [Endpoint]
    public let firstSeen: CaptureTime
    public internal(set) var lastSeen: CaptureTime
    public private(set) var opens: [OpenMessage?] = [nil, nil]
    /// The context to decode UPDATEs sent by endpoint d.
    public internal(set) var contexts: [DecodingContext] = [DecodingContext(), DecodingContext()] {
        didSet { contextChanges &+= 1 }
    }
    /// How often `contexts` was set: a consumer holding a copy knows it is current while this is unchanged,
    /// without comparing contexts (`CaptureRelay` checks it for every UPDATE).
    public private(set) var contextChanges = 0
    public internal(set) var contextSources: [ContextSource] = [.assumed, .assumed]
    /// Per direction: bit i set = inference candidate i still consistent with every UPDATE seen.
    var candidateMasks: [UInt8] = [0x0F, 0x0F]
    var inferenceAttempts = [0, 0]
    public internal(set) var closeReason: SessionCloseReason?
    public internal(set) var lastNotification: NotificationMessage?
    /// Frame of `lastNotification`, for evidence.
    public internal(set) var lastNotificationFrame = 0
    public var counters: [DirectionCounters] = [DirectionCounters(), DirectionCounters()]

    /// True once either side sent a BGP message (a connection that carried none was never a session).
    public var carriedMessages: Bool {
        counters.contains { $0.opens + $0.updates + $0.notifications + $0.keepalives + $0.routeRefreshes > 0 }
    }

    public struct DirectionCounters: Sendable {
        public var opens = 0
        public var updates = 0
        public var notifications = 0
        public var keepalives = 0
        public var routeRefreshes = 0
        public var announced = 0
        public var withdrawn = 0
        public var malformedUpdates = 0
        public var ambiguousUpdates = 0

        mutating func count(_ type: MessageType) {
            switch type {
            case .open: opens += 1
            case .update: updates += 1
            case .notification: notifications += 1
            case .keepalive: keepalives += 1
            case .routeRefresh: routeRefreshes += 1
            }
        }
    }

    init(id: Int, endpoints: [Endpoint], time: CaptureTime) {
        self.id = id
        self.endpoints = endpoints
        firstSeen = time
        lastSeen = time
    }

    /// The ASN of endpoint d, from its OPEN (kept apart so per-UPDATE lookups do not copy the OPEN).
    public func asn(_ d: Int) -> ASN? { asns[d] }

    /// The BGP Role endpoint d announced (RFC 9234).
    public func role(_ d: Int) -> BGPRole? { roles[d] }

    private var asns: [ASN?] = [nil, nil]
    private var roles: [BGPRole?] = [nil, nil]

    /// Records an OPEN sent by endpoint d and recomputes both directions' contexts.
    func record(open: OpenMessage, from d: Int) {
        opens[d] = open
        asns[d] = open.asn
        roles[d] = open.role
        guard let mine = opens[0], let theirs = opens[1] else { return }
        for sender in 0..<2 {
            let s = sender == 0 ? mine : theirs
            let r = sender == 0 ? theirs : mine
            var addPath = AddPathFamilies()
            for entry in s.addPathEntries where entry.mode.canSend {
                if r.addPathEntries.contains(where: { $0.family == entry.family && $0.mode.canReceive }) {
                    addPath.insert(entry.family)
                }
            }
            contexts[sender] = DecodingContext(
                fourOctetAS: s.supportsFourOctetAS && r.supportsFourOctetAS,
                addPath: addPath,
                extendedMessages: s.supportsExtendedMessages && r.supportsExtendedMessages)
            contextSources[sender] = .negotiated
            candidateMasks[sender] = 0
        }
    }

    /// Fixes a direction's context from configuration (mid-session starts).
    public func configure(_ context: DecodingContext, forSender d: Int) {
        contexts[d] = context
        contextSources[d] = .configured
        candidateMasks[d] = 0
    }

    /// The largest message the framer accepts in direction d: 4096, or 65535 once extended messages
    /// were negotiated — or while nothing is known (a mid-session capture may have negotiated them).
    func maxMessageLength(_ d: Int) -> Int {
        switch contextSources[d] {
        case .negotiated, .configured:
            contexts[d].extendedMessages ? MessageHeader.maximumExtendedLength : MessageHeader.maximumLength
        default:
            MessageHeader.maximumExtendedLength
        }
    }
}
