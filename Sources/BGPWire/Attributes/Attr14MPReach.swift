/// A next hop address from NEXT_HOP (RFC 4271 §5.1.3) or MP_REACH_NLRI (RFC 4760 §3, RFC 8950 §3, RFC 2545 §3).
public typealias NextHop = IPAddress

extension IPAddress {
    /// Checks an MP_REACH next-hop length without building addresses (the hot path).
    public static func validate(length: Int, family: AddressFamily, at offset: Int) throws(WireError) {
        guard family.prefixEncoding != nil else { return }
        let ok = switch (family.prefixEncoding == .vpn, length) {
        case (true, 12), (true, 24), (true, 48), (false, 4), (false, 16), (false, 32): true
        default: false
        }
        guard ok else { throw WireError(.badNextHop, at: offset, "next hop of \(length) bytes for \(family)") }
    }

    /// Decodes an MP_REACH next-hop field: 4 / 16 / 32 (global + link-local) octets, each optionally
    /// preceded by an 8-octet zero RD for VPN families. Other lengths (e.g. FlowSpec's 0) give no addresses.
    public static func decodeList(_ reader: WireReader, family: AddressFamily) throws(WireError) -> [NextHop] {
        var reader = reader
        try validate(length: reader.remaining, family: family, at: reader.position)
        let vpn = family.prefixEncoding == .vpn
        var out: [NextHop] = []
        func readAddress(_ length: Int) -> NextHop? {
            if length == 4 { return reader.readUInt32().map { .v4(IPv4Address($0)) } }
            guard let h = reader.readUInt64(), let l = reader.readUInt64() else { return nil }
            return .v6(IPv6Address(high: h, low: l))
        }
        switch (reader.remaining, vpn) {
        case (4, false), (16, false):
            if let a = readAddress(reader.remaining) { out.append(a) }
        case (32, false):
            while let a = readAddress(16) { out.append(a) }
        case (12, true), (24, true):
            let length = reader.remaining - 8
            _ = reader.skip(8)
            if let a = readAddress(length) { out.append(a) }
        case (48, true):
            while reader.skip(8), let a = readAddress(16) { out.append(a) }
        default:
            break  // an opaque family's next hop (FlowSpec: none); `validate` rejected the rest
        }
        return out
    }
}
