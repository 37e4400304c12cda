import BGPWire

/// What the IP layer of a frame holds, as far as BGPSentry is concerned.
public enum IPPayload {
    /// A TCP segment: endpoints and the TCP header+payload bytes (trimmed to the IP length).
    case tcp(source: IPAddress, destination: IPAddress, segment: UnsafeRawBufferPointer)
    /// A fragment (RFC 791 §2.3 / RFC 8200 §4.5): counted as unsupported, not reassembled.
    case fragment
    /// Another transport protocol.
    case otherProtocol(UInt8)
    /// Too short or inconsistent headers.
    case malformed
}

/// Decodes IPv4 (RFC 791, with options) and IPv6 (RFC 8200, walking extension headers) down to TCP.
public enum IPDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer, protocol network: NetworkProtocol) -> IPPayload {
        switch network {
        case .ipv4: return ipv4(bytes)
        case .ipv6: return ipv6(bytes)
        case .other: return .malformed
        }
    }

    static func ipv4(_ b: UnsafeRawBufferPointer) -> IPPayload {
        guard b.count >= 20, b[0] >> 4 == 4 else { return .malformed }
        let headerLength = Int(b[0] & 0x0F) * 4
        let totalLength = Int(b[2]) << 8 | Int(b[3])
        guard headerLength >= 20, b.count >= headerLength else { return .malformed }
        // Captures with TSO show total length 0; otherwise trust the IP length over link padding.
        let end = totalLength == 0 ? b.count : min(totalLength, b.count)
        guard end >= headerLength else { return .malformed }
        let flagsAndOffset = UInt16(b[6]) << 8 | UInt16(b[7])
        if flagsAndOffset & 0x3FFF != 0 { return .fragment }  // MF set or non-zero offset
        let proto = b[9]
        guard proto == 6 else { return .otherProtocol(proto) }
        let src = IPv4Address(UInt32(bigEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let dst = IPv4Address(UInt32(bigEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        return .tcp(source: .v4(src), destination: .v4(dst),
                    segment: UnsafeRawBufferPointer(rebasing: b[headerLength..<end]))
    }

    static func ipv6(_ b: UnsafeRawBufferPointer) -> IPPayload {
        guard b.count >= 40, b[0] >> 4 == 6 else { return .malformed }
        let payloadLength = Int(b[4]) << 8 | Int(b[5])
        let end = payloadLength == 0 ? b.count : min(40 + payloadLength, b.count)
        var next = b[6]
        var offset = 40
        // Walk at most 8 extension headers: hop-by-hop 0, routing 43, destination options 60, AH 51, fragment 44.
        for _ in 0..<8 {
            switch next {
            case 0, 43, 60:
                guard end >= offset + 8 else { return .malformed }
                let length = (Int(b[offset + 1]) + 1) * 8
                next = b[offset]
                offset += length
            case 51:
                guard end >= offset + 8 else { return .malformed }
                let length = (Int(b[offset + 1]) + 2) * 4
                next = b[offset]
                offset += length
            case 44:
                return .fragment
            default:
                guard next == 6 else { return .otherProtocol(next) }
                guard end >= offset else { return .malformed }
                let src = IPv6Address(high: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                                      low: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                let dst = IPv6Address(high: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                                      low: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 32, as: UInt64.self)))
                return .tcp(source: .v6(src), destination: .v6(dst),
                            segment: UnsafeRawBufferPointer(rebasing: b[offset..<end]))
            }
            guard offset <= end else { return .malformed }
        }
        return .malformed
    }
}
