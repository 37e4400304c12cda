/// An MPLS label stack from labeled or VPN NLRI (RFC 8277 §2), kept inline: the first three 3-octet label
/// entries as they were on the wire (20-bit label, 3-bit traffic class, bottom-of-stack bit) and the total
/// count, so a `Route` stays a fixed-size value and re-encodes byte for byte.
public struct LabelStack: Sendable, Hashable {
    public var count: UInt8 { storedCount }
    @usableFromInline var storedCount: UInt8 = 0
    @usableFromInline var e0: UInt32 = 0
    @usableFromInline var e1: UInt32 = 0
    @usableFromInline var e2: UInt32 = 0

    @inlinable public init() {}

    /// Appends a 20-bit label value (traffic class 0; the encoder sets bottom-of-stack on the last).
    @inlinable
    public mutating func append(_ label: UInt32) {
        append(entry: (label & 0xF_FFFF) << 4)
    }

    /// Appends a whole 24-bit label entry as read from the wire; entries past the third are counted, not kept.
    @inlinable
    public mutating func append(entry: UInt32) {
        switch storedCount {
        case 0: e0 = entry
        case 1: e1 = entry
        case 2: e2 = entry
        default: break
        }
        if storedCount < UInt8.max { storedCount += 1 }
    }

    /// The kept 24-bit entries (at most three).
    public var entries: [UInt32] { Array([e0, e1, e2].prefix(Int(min(storedCount, 3)))) }

    /// The kept 20-bit label values (at most three).
    public var labels: [UInt32] { entries.map { $0 >> 4 } }
}

/// An 8-octet route distinguisher (RFC 4364 §4.2), printed `type:value` per its type.
public struct RouteDistinguisher: Sendable, Hashable, CustomStringConvertible {
    public var raw: UInt64

    @inlinable public init(raw: UInt64) { self.raw = raw }

    public var description: String {
        let type = UInt16(raw >> 48)
        switch type {
        case 0:
            return "\(UInt16(truncatingIfNeeded: raw >> 32)):\(UInt32(truncatingIfNeeded: raw))"
        case 1:
            return "\(IPv4Address(UInt32(truncatingIfNeeded: raw >> 16))):\(UInt16(truncatingIfNeeded: raw))"
        case 2:
            return "\(UInt32(truncatingIfNeeded: raw >> 16)):\(UInt16(truncatingIfNeeded: raw))"
        default:
            return "type\(type):\(String(raw & 0xFFFF_FFFF_FFFF, radix: 16))"
        }
    }
}

/// One NLRI entry: a prefix, with the ADD-PATH path identifier (RFC 7911), labels and route
/// distinguisher where the address family carries them. A fixed-size value: decoding a route allocates nothing.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var pathID: UInt32?
    public var labels: LabelStack
    public var routeDistinguisher: RouteDistinguisher?

    @inlinable
    public init(prefix: IPPrefix, pathID: UInt32? = nil, labels: LabelStack = LabelStack(),
                routeDistinguisher: RouteDistinguisher? = nil) {
        self.prefix = prefix
        self.pathID = pathID
        self.labels = labels
        self.routeDistinguisher = routeDistinguisher
    }

    /// Canonical text: the prefix, or `RD:prefix` for VPN routes.
    public var description: String {
        if let rd = routeDistinguisher { return "\(rd):\(prefix)" }
        return prefix.description
    }
}
