/// The AFI/SAFI, next hop and NLRI ranges of an MP_REACH_NLRI attribute (RFC 4760 §3).
public struct MPReachView: Sendable {
    public let family: AddressFamily
    private let nextHopSpan: MessageSpan
    private let nlriSpan: MessageSpan
    private let routeCount32: Int32
    private let opaqueCount32: Int32
    public var nextHopRange: Range<Int> { nextHopSpan.range }
    public var nlriRange: Range<Int> { nlriSpan.range }
    /// Decoded routes (families with a known prefix encoding).
    public var routeCount: Int { Int(routeCount32) }
    /// Entries of opaque families whose framing we know (FlowSpec, EVPN, …), else 0.
    public var opaqueCount: Int { Int(opaqueCount32) }

    /// The reading of an attribute already checked (`UpdateView.readCommonCase`): a family with decoded routes.
    init(family: AddressFamily, nextHop: Range<Int>, nlri: Range<Int>, routeCount: Int) {
        self.family = family
        nextHopSpan = MessageSpan(nextHop)
        nlriSpan = MessageSpan(nlri)
        routeCount32 = Int32(truncatingIfNeeded: routeCount)
        opaqueCount32 = 0
    }

    init(_ value: WireReader, addPath: AddPathFamilies) throws(WireError) {
        var reader = value
        let at = reader.position
        guard let afi = reader.readUInt16(), let safi = reader.readUInt8(), let nhLength = reader.readUInt8() else {
            throw WireError(.badMPReach, at: at, "shorter than its fixed fields")
        }
        family = AddressFamily(afi: afi, safi: safi)
        guard let nh = reader.readSlice(Int(nhLength)) else {
            throw WireError(.badMPReach, at: at + 4, "next hop length \(nhLength) overruns the attribute")
        }
        nextHopSpan = MessageSpan(nh.base..<nh.base + nh.remaining)
        try NextHop.validate(length: nh.remaining, family: family, at: nh.base)
        guard reader.skip(1) else { throw WireError(.badMPReach, at: reader.position, "missing reserved octet") }
        nlriSpan = MessageSpan(reader.position..<reader.position + reader.remaining)
        let (routes, opaque) = try countNLRI(reader, family: family, addPath: addPath)
        (routeCount32, opaqueCount32) = (Int32(routes), Int32(opaque))
    }
}

/// The AFI/SAFI and withdrawn NLRI range of an MP_UNREACH_NLRI attribute (RFC 4760 §4).
public struct MPUnreachView: Sendable {
    public let family: AddressFamily
    private let nlriSpan: MessageSpan
    private let routeCount32: Int32
    private let opaqueCount32: Int32
    public var nlriRange: Range<Int> { nlriSpan.range }
    public var routeCount: Int { Int(routeCount32) }
    public var opaqueCount: Int { Int(opaqueCount32) }

    /// The reading of an attribute already checked (`UpdateView.readCommonCase`): a family with decoded routes.
    init(family: AddressFamily, nlri: Range<Int>, routeCount: Int) {
        self.family = family
        nlriSpan = MessageSpan(nlri)
        routeCount32 = Int32(truncatingIfNeeded: routeCount)
        opaqueCount32 = 0
    }

    init(_ value: WireReader, addPath: AddPathFamilies) throws(WireError) {
        var reader = value
        let at = reader.position
        guard let afi = reader.readUInt16(), let safi = reader.readUInt8() else {
            throw WireError(.badMPUnreach, at: at, "shorter than its fixed fields")
        }
        family = AddressFamily(afi: afi, safi: safi)
        nlriSpan = MessageSpan(reader.position..<reader.position + reader.remaining)
        let (routes, opaque) = try countNLRI(reader, family: family, addPath: addPath)
        (routeCount32, opaqueCount32) = (Int32(routes), Int32(opaque))
    }
}

/// Validates MP NLRI: (decoded routes, opaque entries) — one of the two is always 0.
private func countNLRI(_ reader: WireReader, family: AddressFamily, addPath: AddPathFamilies) throws(WireError) -> (Int, Int) {
    guard family.prefixEncoding != nil else {
        return (0, countOpaqueNLRI(reader.unreadBytes, family: family, addPath: addPath.contains(family)) ?? 0)
    }
    var routes = RouteReader(reader, family: family, addPath: addPath.contains(family))
    return (try routes.validate(), 0)
}
