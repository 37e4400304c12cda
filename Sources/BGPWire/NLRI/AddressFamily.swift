/// Address Family Identifier (IANA "Address Family Numbers"; RFC 4760 §3).
public typealias AFI = UInt16
/// Subsequent Address Family Identifier (IANA "SAFI Values"; RFC 4760 §6).
public typealias SAFI = UInt8

/// An (AFI, SAFI) pair as carried in MP_REACH_NLRI, the MP capability and ADD-PATH (RFC 4760).
public struct AddressFamily: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var afi: AFI
    public var safi: SAFI

    @inlinable public init(afi: AFI, safi: SAFI) {
        self.afi = afi
        self.safi = safi
    }

    public static let ipv4Unicast = AddressFamily(afi: 1, safi: 1)
    public static let ipv4Multicast = AddressFamily(afi: 1, safi: 2)
    public static let ipv4Labeled = AddressFamily(afi: 1, safi: 4)
    public static let ipv4VPN = AddressFamily(afi: 1, safi: 128)
    public static let ipv6Unicast = AddressFamily(afi: 2, safi: 1)
    public static let ipv6Multicast = AddressFamily(afi: 2, safi: 2)
    public static let ipv6Labeled = AddressFamily(afi: 2, safi: 4)
    public static let ipv6VPN = AddressFamily(afi: 2, safi: 128)

    /// How the NLRI of this family is laid out, or `nil` when we keep it opaque (flowspec, EVPN, …).
    @inlinable
    public var prefixEncoding: PrefixEncoding? {
        guard afi == 1 || afi == 2 else { return nil }
        switch safi {
        case 1, 2: return .plain
        case 4: return .labeled
        case 128, 129: return .vpn
        default: return nil
        }
    }

    /// Index 0..<8 of the families whose prefixes we decode; used by the compact ADD-PATH set.
    @inlinable
    var knownIndex: Int? {
        guard afi == 1 || afi == 2 else { return nil }
        let base = afi == 1 ? 0 : 4
        switch safi {
        case 1: return base
        case 2: return base + 1
        case 4: return base + 2
        case 128: return base + 3
        default: return nil
        }
    }

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool {
        (lhs.afi, lhs.safi) < (rhs.afi, rhs.safi)
    }

    public var description: String {
        let a: String
        switch afi {
        case 1: a = "ipv4"
        case 2: a = "ipv6"
        case 25: a = "l2vpn"
        default: a = "afi\(afi)"
        }
        let s: String
        switch safi {
        case 1: s = "unicast"
        case 2: s = "multicast"
        case 4: s = "labeled-unicast"
        case 5: s = "mvpn"
        case 70: s = "evpn"
        case 128: s = "vpn"
        case 129: s = "vpn-multicast"
        case 132: s = "rtc"
        case 133: s = "flowspec"
        case 134: s = "flowspec-vpn"
        default: s = "safi\(safi)"
        }
        return "\(a)-\(s)"
    }
}

/// NLRI layouts we decode into `Route` values.
public enum PrefixEncoding: Sendable {
    /// RFC 4271 §4.3 / RFC 4760 §5: length in bits, then the prefix octets.
    case plain
    /// RFC 8277: a label stack (3 octets each, bottom-of-stack bit ends it) before the prefix.
    case labeled
    /// RFC 4364 §4.3.4: labels, an 8-octet route distinguisher, then the prefix.
    case vpn
}
