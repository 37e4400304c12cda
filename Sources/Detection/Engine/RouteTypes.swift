import BGPWire

/// Where an event came from: the capture source and frame, for evidence.
public struct SourcePosition: Sendable, Hashable {
    public var source: String
    public var frame: Int

    public init(source: String, frame: Int) {
        self.source = source
        self.frame = frame
    }
}

/// The session (and direction) a route event arrived on. The sender of an UPDATE is the neighbor
/// (it announced the route), the receiver is the local router (docs/DETECTION.md, "Vantage point").
public struct SessionInfo: Sendable, Hashable {
    public var id: Int
    public var local: IPAddress
    public var neighbor: IPAddress
    public var localASN: ASN?
    public var neighborASN: ASN?
    /// The neighbor's BGP Role (RFC 9234), when it announced one.
    public var role: BGPRole?
    /// The local router's own BGP Role towards the neighbor, when it announced one.
    public var localRole: BGPRole?

    public init(id: Int, local: IPAddress, neighbor: IPAddress, localASN: ASN? = nil, neighborASN: ASN? = nil,
                role: BGPRole? = nil, localRole: BGPRole? = nil) {
        self.id = id
        self.local = local
        self.neighbor = neighbor
        self.localASN = localASN
        self.neighborASN = neighborASN
        self.role = role
        self.localRole = localRole
    }
}

/// The facts of an announced path that detectors look at, computed once per UPDATE.
public struct ObservedPath: Sendable, Hashable {
    /// Effective AS path (RFC 6793 merge), sets flattened in place, confederation segments dropped.
    public var asns: [ASN]
    /// RFC 6811 origin; `nil` when the path ends in an AS_SET (no origin can be judged).
    public var origin: ASN?
    /// The AS next to the origin after collapsing prepends (ARTEMIS "type 1" neighbour); `nil` when the
    /// origin is the only AS or unknown.
    public var originNeighbor: ASN?
    /// The first AS of the path (the neighbor's AS for eBGP).
    public var firstAS: ASN?
    /// Number of distinct consecutive ASes (prepends collapsed).
    public var distinctLength: Int
    public var otc: ASN?
    /// The effective AS path itself (sets and confederation segments kept), for ASPA verification.
    public var asPath: ASPath? { isOneSequence ? ASPath([ASPathSegment(.sequence, asns)]) : otherPath }
    /// A path of one AS_SEQUENCE (most of a table) is kept as `asns` alone, and `asPath` built from them when
    /// asked for (ASPA only); any other path is kept whole in `otherPath`. One array per path instead of three,
    /// built straight from the UPDATE's bytes (`init(oneSequenceOf:)`).
    private var isOneSequence: Bool
    private var otherPath: ASPath?

    public init(asPath: ASPath?, otc: ASN? = nil) {
        if let segments = asPath?.segments, segments.count == 1, segments[0].kind == .sequence {
            self.init(sequence: segments[0].asns, otc: otc)
        } else {
            self.init(anyPath: asPath, otc: otc)
        }
    }

    /// A path of any shape (sets, confederation segments, several segments) or none.
    private init(anyPath asPath: ASPath?, otc: ASN?) {
        isOneSequence = false
        otherPath = asPath
        var asns: [ASN] = []
        var collapsed = CollapsedCount()
        for segment in asPath?.segments ?? [] where segment.kind == .sequence || segment.kind == .set {
            asns += segment.asns
            if segment.kind == .sequence {
                for a in segment.asns { collapsed.add(a) }
            } else if let first = segment.asns.first {
                collapsed.add(set: first)
            }
        }
        self.asns = asns
        self.origin = asPath?.originASN
        self.firstAS = asns.first
        self.distinctLength = collapsed.distinct
        self.otc = otc
        originNeighbor = origin != nil && collapsed.distinct >= 2 ? collapsed.beforeLast : nil
    }

    /// The path of one AS_SEQUENCE `asns`, as `init(asPath:otc:)` reads it.
    init(sequence asns: [ASN], otc: ASN?) {
        var collapsed = CollapsedCount()
        for a in asns { collapsed.add(a) }
        self.asns = asns
        isOneSequence = true
        otherPath = nil
        origin = asns.last
        firstAS = asns.first
        distinctLength = collapsed.distinct
        self.otc = otc
        originNeighbor = origin != nil && collapsed.distinct >= 2 ? collapsed.beforeLast : nil
    }

    /// The collapsed path (prepends removed, a set counted as its first AS), counted with its last two ASes kept
    /// rather than built: one array per path, not two.
    private struct CollapsedCount {
        var distinct = 0
        var last: ASN?
        var beforeLast: ASN?

        /// The next AS of a sequence: counted unless it repeats the one before (a prepend).
        @inline(__always)
        mutating func add(_ a: ASN) {
            if last != a { add(set: a) }
        }

        /// An AS counted as one hop whatever came before (an AS_SET's first AS).
        @inline(__always)
        mutating func add(set a: ASN) {
            distinct += 1
            beforeLast = last
            last = a
        }
    }

    /// The effective path of `view` when it is one AS_SEQUENCE (`UpdateView.effectiveOneSequence()`): one array,
    /// no `ASPath`; `nil` for any other path (`init(asPath: view.effectiveASPath(), otc:)`).
    public init?(oneSequenceOf view: UpdateView) {
        guard let asns = view.effectiveOneSequence() else { return nil }
        self.init(sequence: asns, otc: view.otc)
    }

    /// Collapsed path (prepends removed), origin last.
    public var collapsed: [ASN] {
        var out: [ASN] = []
        for a in asns where out.last != a { out.append(a) }
        return out
    }
}
