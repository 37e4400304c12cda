/// ROUTE-REFRESH (RFC 2918 §3) with the Enhanced Route Refresh subtypes of RFC 7313 §3.2
/// (0 normal request, 1 BoRR, 2 EoRR) and any ORF entries (RFC 5291) kept raw.
public struct RouteRefreshMessage: Sendable, Hashable {
    public var family: AddressFamily
    public var subtype: UInt8
    /// Bytes after AFI/reserved/SAFI, e.g. ORF entries; empty in the common case.
    public var extra: [UInt8]

    public init(family: AddressFamily, subtype: UInt8 = 0, extra: [UInt8] = []) {
        self.family = family
        self.subtype = subtype
        self.extra = extra
    }

    public init(body: inout WireReader) throws(WireError) {
        guard let afi = body.readUInt16(), let subtype = body.readUInt8(), let safi = body.readUInt8() else {
            throw WireError(.badRouteRefresh, at: body.position, "shorter than AFI/subtype/SAFI")
        }
        family = AddressFamily(afi: afi, safi: safi)
        self.subtype = subtype
        extra = body.readRemainingBytes()
    }

    public var subtypeName: String {
        switch subtype {
        case 0: "request"
        case 1: "BoRR"
        case 2: "EoRR"
        default: "subtype \(subtype)"
        }
    }
}
