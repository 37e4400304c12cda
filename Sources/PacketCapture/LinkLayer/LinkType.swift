/// Link-layer header types (tcpdump.org "LINKTYPE_" values as libpcap reports them) that we decode.
public enum LinkType {
    public static let null: Int32 = 0  // BSD loopback, host-order AF
    public static let ethernet: Int32 = 1
    public static let ppp: Int32 = 9
    public static let rawLegacy: Int32 = 12  // DLT_RAW on most platforms
    public static let rawOpenBSD: Int32 = 14
    public static let pppHDLC: Int32 = 50
    public static let raw: Int32 = 101
    public static let ciscoHDLC: Int32 = 104
    public static let frameRelay: Int32 = 107
    public static let loop: Int32 = 108  // OpenBSD loopback, network-order AF
    public static let linuxSLL: Int32 = 113
    public static let juniperEthernet: Int32 = 178
    public static let ipv4: Int32 = 228
    public static let ipv6: Int32 = 229
    public static let linuxSLL2: Int32 = 276

    public static func name(_ type: Int32) -> String {
        switch type {
        case null: "null"
        case ethernet: "ether"
        case ppp: "ppp"
        case rawLegacy, rawOpenBSD, raw: "rawip"
        case pppHDLC: "ppp-hdlc"
        case ciscoHDLC: "chdlc"
        case frameRelay: "frelay"
        case loop: "loop"
        case linuxSLL: "linux-sll"
        case juniperEthernet: "juniper-ether"
        case ipv4: "ipv4"
        case ipv6: "ipv6"
        case linuxSLL2: "linux-sll2"
        default: "linktype-\(type)"
        }
    }
}

/// The network-layer protocol a link header announces.
public enum NetworkProtocol: Sendable {
    case ipv4
    case ipv6
    /// Anything else, with the ethertype / protocol value for counting.
    case other(UInt32)
}
