/// An UPDATE (RFC 4271 §4.3) decoded into owned values: the model handed to reports and tests.
///
/// Built from an `UpdateView`, which did all validation; `errors` carries the RFC 7606 outcomes.
/// `announced` and `withdrawn` list the routes as parsed — consumers honour `isTreatAsWithdraw`.
public struct UpdateMessage: Sendable, Hashable {
    public var withdrawnRoutes: [Route]
    public var attributes: PathAttributes
    public var nlri: [Route]
    public var errors: [UpdateError]
    public var fourOctetAS: Bool

    public init(withdrawnRoutes: [Route] = [], attributes: PathAttributes = PathAttributes(), nlri: [Route] = [],
                errors: [UpdateError] = [], fourOctetAS: Bool = true) {
        self.withdrawnRoutes = withdrawnRoutes
        self.attributes = attributes
        self.nlri = nlri
        self.errors = errors
        self.fourOctetAS = fourOctetAS
    }

    /// Materialises a view.
    public init(_ view: UpdateView) {
        withdrawnRoutes = Self.collect(view.routes(.withdrawn), capacity: view.withdrawnCount)
        nlri = Self.collect(view.routes(.nlri), capacity: view.nlriCount)
        attributes = PathAttributes(view)
        errors = view.errors
        fourOctetAS = view.context.fourOctetAS
    }

    private static func collect(_ reader: RouteReader, capacity: Int) -> [Route] {
        var reader = reader
        var out: [Route] = []
        out.reserveCapacity(capacity)
        while let r = reader.next() { out.append(r) }
        return out
    }

    /// Every route announced: classic NLRI then MP_REACH_NLRI.
    public var announced: [Route] { nlri + (attributes.mpReach?.routes ?? []) }
    /// Every route withdrawn: the Withdrawn Routes field then MP_UNREACH_NLRI.
    public var withdrawn: [Route] { withdrawnRoutes + (attributes.mpUnreach?.routes ?? []) }

    /// The path to judge the route by: AS_PATH, merged with AS4_PATH per RFC 6793 §4.2.3 when that applies.
    public var effectiveASPath: ASPath? {
        guard let asPath = attributes.asPath else { return nil }
        guard let as4 = attributes.as4Path,
            ASPath.as4PathApplies(fourOctetSession: fourOctetAS, aggregator: attributes.aggregator,
                                  as4Aggregator: attributes.as4Aggregator)
        else { return asPath }
        return ASPath.merge(asPath: asPath, as4Path: as4)
    }

    /// RFC 6811 origin AS of `effectiveASPath`.
    public var originASN: ASN? { effectiveASPath?.originASN }

    public var worstAction: ErrorAction? { errors.map(\.action).max() }
}

/// The decoded path attributes of one UPDATE (RFC 4271 §5 and extensions); unknown ones kept raw.
public struct PathAttributes: Sendable, Hashable {
    public var origin: Origin?
    public var asPath: ASPath?
    public var as4Path: ASPath?
    public var nextHop: IPv4Address?
    public var med: UInt32?
    public var localPref: UInt32?
    public var atomicAggregate = false
    public var aggregator: Aggregator?
    public var as4Aggregator: Aggregator?
    public var communities: [Community] = []
    public var originatorID: IPv4Address?
    public var clusterList: [IPv4Address] = []
    public var mpReach: MPReachNLRI?
    public var mpUnreach: MPUnreachNLRI?
    public var extendedCommunities: [ExtendedCommunity] = []
    public var aigp: UInt64?
    public var largeCommunities: [LargeCommunity] = []
    public var otc: ASN?
    public var unknown: [RawAttribute] = []

    public init() {}

    init(_ view: UpdateView) {
        origin = view.origin
        if let r = view.asPathRange {
            var reader = view.slice(r)
            asPath = try? ASPath(from: &reader, fourOctet: view.context.fourOctetAS)
        }
        if let r = view.as4PathRange {
            var reader = view.slice(r)
            as4Path = try? ASPath(from: &reader, fourOctet: true)
        }
        nextHop = view.nextHop
        med = view.med
        localPref = view.localPref
        atomicAggregate = view.atomicAggregate
        aggregator = view.aggregator
        as4Aggregator = view.as4Aggregator
        if let r = view.communitiesRange {
            var reader = view.slice(r)
            while let v = reader.readUInt32() { communities.append(Community(v)) }
        }
        originatorID = view.originatorID
        if let r = view.clusterListRange {
            var reader = view.slice(r)
            while let v = reader.readUInt32() { clusterList.append(IPv4Address(v)) }
        }
        if let m = view.mpReach {
            mpReach = MPReachNLRI(view: view, reach: m)
        }
        if let m = view.mpUnreach {
            var reader = view.routes(.mpUnreach)
            var routes: [Route] = []
            while let r = reader.next() { routes.append(r) }
            mpUnreach = MPUnreachNLRI(family: m.family, routes: routes, opaqueCount: m.opaqueCount,
                                      opaque: m.family.prefixEncoding == nil ? Array(view.slice(m.nlriRange).unreadBytes) : [])
        }
        if let r = view.extendedCommunitiesRange {
            var reader = view.slice(r)
            while let v = reader.readUInt64() { extendedCommunities.append(ExtendedCommunity(v)) }
        }
        aigp = view.aigp
        if let r = view.largeCommunitiesRange {
            var reader = view.slice(r)
            while let a = reader.readUInt32(), let b = reader.readUInt32(), let c = reader.readUInt32() {
                largeCommunities.append(LargeCommunity(a, b, c))
            }
        }
        otc = view.otc
        for r in view.unknownAttributeRanges {
            var reader = view.slice(r)
            guard let flags = reader.readUInt8(), let type = reader.readUInt8() else { continue }
            let ext = flags & PathAttributeFlags.extendedLength.rawValue != 0
            _ = reader.skip(ext ? 2 : 1)
            unknown.append(RawAttribute(flags: PathAttributeFlags(rawValue: flags), type: type, value: reader.readRemainingBytes()))
        }
    }
}

/// MP_REACH_NLRI decoded (RFC 4760 §3). NLRI of families we do not decode are kept as opaque bytes.
public struct MPReachNLRI: Sendable, Hashable {
    public var family: AddressFamily
    public var nextHops: [NextHop]
    public var routes: [Route]
    public var opaqueCount: Int
    public var opaque: [UInt8]

    public init(family: AddressFamily, nextHops: [NextHop], routes: [Route], opaqueCount: Int = 0, opaque: [UInt8] = []) {
        self.family = family
        self.nextHops = nextHops
        self.routes = routes
        self.opaqueCount = opaqueCount
        self.opaque = opaque
    }

    init(view: UpdateView, reach: MPReachView) {
        family = reach.family
        nextHops = (try? NextHop.decodeList(view.slice(reach.nextHopRange), family: reach.family)) ?? []
        var reader = view.routes(.mpReach)
        var out: [Route] = []
        out.reserveCapacity(reach.routeCount)
        while let r = reader.next() { out.append(r) }
        routes = out
        opaqueCount = reach.opaqueCount
        opaque = reach.family.prefixEncoding == nil ? Array(view.slice(reach.nlriRange).unreadBytes) : []
    }
}

/// MP_UNREACH_NLRI decoded (RFC 4760 §4).
public struct MPUnreachNLRI: Sendable, Hashable {
    public var family: AddressFamily
    public var routes: [Route]
    public var opaqueCount: Int
    public var opaque: [UInt8]

    public init(family: AddressFamily, routes: [Route], opaqueCount: Int = 0, opaque: [UInt8] = []) {
        self.family = family
        self.routes = routes
        self.opaqueCount = opaqueCount
        self.opaque = opaque
    }
}

/// A path attribute kept as it came (unknown type code): flags, type and value bytes.
public struct RawAttribute: Sendable, Hashable {
    public var flags: PathAttributeFlags
    public var type: UInt8
    public var value: [UInt8]

    public init(flags: PathAttributeFlags, type: UInt8, value: [UInt8]) {
        self.flags = flags
        self.type = type
        self.value = value
    }
}
