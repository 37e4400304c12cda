/// A COMMUNITIES value (type 8, RFC 1997): `asn:value`, with the well-known names of RFC 1997 / RFC 7999.
public struct Community: Sendable, Hashable, CustomStringConvertible {
    public var raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }

    public static let noExport = Community(0xFFFF_FF01)
    public static let noAdvertise = Community(0xFFFF_FF02)
    public static let noExportSubconfed = Community(0xFFFF_FF03)
    public static let blackhole = Community(0xFFFF_029A)

    public var description: String { "\(raw >> 16):\(raw & 0xFFFF)" }
}

/// An EXTENDED_COMMUNITIES value (type 16, RFC 4360 §2): 8 octets, printed by type.
public struct ExtendedCommunity: Sendable, Hashable, CustomStringConvertible {
    public var raw: UInt64
    @inlinable public init(_ raw: UInt64) { self.raw = raw }

    public var type: UInt8 { UInt8(raw >> 56) }
    public var subtype: UInt8 { UInt8(truncatingIfNeeded: raw >> 48) }

    /// `rt:`/`soo:` for route targets and origins (RFC 4360 §4, RFC 5668), otherwise hex of the 8 octets.
    public var description: String {
        let kind: String?
        switch subtype {
        case 0x02: kind = "rt"
        case 0x03: kind = "soo"
        default: kind = nil
        }
        if let kind {
            switch type & 0x3F {
            case 0x00:
                return "\(kind):\(UInt16(truncatingIfNeeded: raw >> 32)):\(UInt32(truncatingIfNeeded: raw))"
            case 0x01:
                return "\(kind):\(IPv4Address(UInt32(truncatingIfNeeded: raw >> 16))):\(UInt16(truncatingIfNeeded: raw))"
            case 0x02:
                return "\(kind):\(UInt32(truncatingIfNeeded: raw >> 16)):\(UInt16(truncatingIfNeeded: raw))"
            default: break
            }
        }
        let hex = String(raw, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A LARGE_COMMUNITY value (type 32, RFC 8092 §3): three 4-octet fields.
public struct LargeCommunity: Sendable, Hashable, CustomStringConvertible {
    public var globalAdministrator: UInt32
    public var localData1: UInt32
    public var localData2: UInt32

    public init(_ global: UInt32, _ local1: UInt32, _ local2: UInt32) {
        globalAdministrator = global
        localData1 = local1
        localData2 = local2
    }

    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }
}
