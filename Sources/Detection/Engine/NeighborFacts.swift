import BGPWire

/// What the configuration says about a neighbour, for captures that start after its OPEN.
public struct NeighborFacts: Sendable, Hashable {
    public var address: IPAddress
    public var asn: ASN?
    public var role: BGPRole?
    public var fourOctetAS: Bool?
    public var addPath: Bool?

    public init(address: IPAddress) { self.address = address }

    /// The decoding context its UPDATEs use, when the file fixes either fact.
    public var context: DecodingContext? {
        guard fourOctetAS != nil || addPath != nil else { return nil }
        var families = AddPathFamilies()
        if addPath == true { for f in AddressFamily.unicastAndMulticast { families.insert(f) } }
        return DecodingContext(fourOctetAS: fourOctetAS ?? true, addPath: families)
    }
}

extension AddressFamily {
    /// IPv4 and IPv6 unicast and multicast: the families ADD-PATH is switched on for by `addPath: true`.
    public static let unicastAndMulticast: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast, .ipv4Multicast, .ipv6Multicast]
}
