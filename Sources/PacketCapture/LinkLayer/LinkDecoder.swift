/// Strips the link-layer header of a frame and says which network protocol follows.
///
/// Ethernet II with 802.1Q / 802.1ad tags (IEEE 802.1Q §9), Linux cooked v1/v2, raw IP, BSD NULL/LOOP,
/// Cisco HDLC, PPP (RFC 1661/1662), Frame Relay with RFC 2427 NLPID encapsulation, Juniper Ethernet.
public enum LinkDecoder {
    /// Result: the protocol and the offset of its header in the frame; `nil` when the frame is too short
    /// or the link type is one we do not decode.
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: Int32) -> (NetworkProtocol, Int)? {
        switch linkType {
        case LinkType.ethernet:
            return ethernet(bytes, at: 0)
        case LinkType.linuxSLL:
            guard bytes.count >= 16 else { return nil }
            return payload(ethertype: be16(bytes, 14), bytes, at: 16)
        case LinkType.linuxSLL2:
            guard bytes.count >= 20 else { return nil }
            return payload(ethertype: be16(bytes, 0), bytes, at: 20)
        case LinkType.raw, LinkType.rawLegacy, LinkType.rawOpenBSD:
            guard let first = bytes.first else { return nil }
            switch first >> 4 {
            case 4: return (.ipv4, 0)
            case 6: return (.ipv6, 0)
            default: return (.other(UInt32(first >> 4)), 0)
            }
        case LinkType.ipv4: return (.ipv4, 0)
        case LinkType.ipv6: return (.ipv6, 0)
        case LinkType.null, LinkType.loop:
            guard bytes.count >= 4 else { return nil }
            let raw = bytes.loadUnaligned(as: UInt32.self)
            let family = linkType == LinkType.loop ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
            // Both byte orders are seen in the wild for NULL; AF values are small, so pick the small one.
            let af = family > 0xFFFF ? family.byteSwapped : family
            switch af {
            case 2: return (.ipv4, 4)
            case 10, 24, 28, 30: return (.ipv6, 4)
            default: return (.other(af), 4)
            }
        case LinkType.ciscoHDLC:
            guard bytes.count >= 4 else { return nil }
            return payload(ethertype: be16(bytes, 2), bytes, at: 4)
        case LinkType.ppp, LinkType.pppHDLC:
            return ppp(bytes)
        case LinkType.frameRelay:
            return frameRelay(bytes)
        case LinkType.juniperEthernet:
            return juniperEthernet(bytes)
        default:
            return nil
        }
    }

    @inline(__always)
    static func be16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(b[i]) << 8 | UInt16(b[i + 1])
    }

    static func ethertype(_ value: UInt16) -> NetworkProtocol {
        switch value {
        case 0x0800: .ipv4
        case 0x86DD: .ipv6
        default: .other(UInt32(value))
        }
    }

    /// Resolves an ethertype at `offset` (the payload start), walking an MPLS label stack
    /// (ethertype 0x8847/0x8848, RFC 3032 §2.1) down to the IP version nibble.
    static func payload(ethertype value: UInt16, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> (NetworkProtocol, Int)? {
        guard value == 0x8847 || value == 0x8848 else { return (ethertype(value), offset) }
        return mpls(bytes, at: offset)
    }

    static func mpls(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (NetworkProtocol, Int)? {
        var offset = start
        for _ in 0..<16 {
            guard bytes.count >= offset + 4 else { return nil }
            let bottom = bytes[offset + 2] & 1 == 1
            offset += 4
            if bottom {
                guard bytes.count > offset else { return nil }
                switch bytes[offset] >> 4 {
                case 4: return (.ipv4, offset)
                case 6: return (.ipv6, offset)
                default: return (.other(0x8847), offset)
                }
            }
        }
        return nil
    }

    static func ethernet(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (NetworkProtocol, Int)? {
        var offset = start + 12
        var tags = 0
        while true {
            guard bytes.count >= offset + 2 else { return nil }
            let type = be16(bytes, offset)
            // 802.1Q, 802.1ad and the pre-standard QinQ tag 0x9100; at most two tags are legal, allow a few.
            if type == 0x8100 || type == 0x88A8 || type == 0x9100, tags < 4 {
                offset += 4
                tags += 1
                continue
            }
            return payload(ethertype: type, bytes, at: offset + 2)
        }
    }

    static func ppp(_ bytes: UnsafeRawBufferPointer) -> (NetworkProtocol, Int)? {
        var offset = 0
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0x03 { offset = 2 }  // HDLC address/control
        guard bytes.count > offset else { return nil }
        var proto: UInt16
        if bytes[offset] & 1 == 1 {  // protocol field compression (RFC 1661 §6.5)
            proto = UInt16(bytes[offset])
            offset += 1
        } else {
            guard bytes.count >= offset + 2 else { return nil }
            proto = be16(bytes, offset)
            offset += 2
        }
        switch proto {
        case 0x0021: return (.ipv4, offset)
        case 0x0057: return (.ipv6, offset)
        case 0x0281, 0x0283: return mpls(bytes, at: offset)
        default: return (.other(UInt32(proto)), offset)
        }
    }

    /// Q.922 address (EA bit ends it), then either RFC 2427 §4 — control 0x03, optional pad, NLPID
    /// (0xCC IPv4, 0x8E IPv6, 0x80 SNAP) — or the Cisco encapsulation: an ethertype right after the address.
    static func frameRelay(_ bytes: UnsafeRawBufferPointer) -> (NetworkProtocol, Int)? {
        var offset = 0
        while offset < bytes.count, offset < 4, bytes[offset] & 1 == 0 { offset += 1 }
        offset += 1  // last address octet (EA = 1)
        guard bytes.count > offset + 1 else { return nil }
        guard bytes[offset] == 0x03 else {
            return payload(ethertype: be16(bytes, offset), bytes, at: offset + 2)
        }
        offset += 1
        if bytes[offset] == 0x00 { offset += 1 }  // padding
        guard bytes.count > offset else { return nil }
        switch bytes[offset] {
        case 0xCC: return (.ipv4, offset + 1)
        case 0x8E: return (.ipv6, offset + 1)
        case 0x80:  // SNAP: OUI(3) + ethertype(2)
            guard bytes.count >= offset + 6 else { return nil }
            return payload(ethertype: be16(bytes, offset + 4), bytes, at: offset + 6)
        default: return (.other(UInt32(bytes[offset])), offset + 1)
        }
    }

    /// Juniper pseudo-header: magic "MGC", flags; when flag 0x80 is set, a 2-octet extension length
    /// and that many TLV bytes follow; then the Ethernet frame, or IP directly when flag 0x02 (no L2) is set.
    static func juniperEthernet(_ bytes: UnsafeRawBufferPointer) -> (NetworkProtocol, Int)? {
        guard bytes.count >= 4, bytes[0] == 0x4D, bytes[1] == 0x47, bytes[2] == 0x43 else { return nil }
        let flags = bytes[3]
        var offset = 4
        if flags & 0x80 != 0 {
            guard bytes.count >= 6 else { return nil }
            offset = 6 + Int(be16(bytes, 4))
        }
        guard bytes.count > offset else { return nil }
        if flags & 0x02 != 0 {
            // No L2 header present: the payload starts with IP.
            switch bytes[offset] >> 4 {
            case 4: return (.ipv4, offset)
            case 6: return (.ipv6, offset)
            default: return nil
            }
        }
        return ethernet(bytes, at: offset)
    }
}
