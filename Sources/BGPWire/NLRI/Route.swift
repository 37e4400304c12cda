/// An MPLS label stack from labeled or VPN NLRI (RFC 8277 §2), kept inline: the first three labels
/// and the total count, so a `Route` stays a fixed-size value.
public struct LabelStack: Sendable, Hashable {
    public var count: UInt8 { storedCount }
    @usableFromInline var storedCount: UInt8 = 0
    @usableFromInline var l0: UInt32 = 0
    @usableFromInline var l1: UInt32 = 0
    @usableFromInline var l2: UInt32 = 0

    @inlinable public init() {}

    /// Appends a 20-bit label value; labels past the third are counted, not kept.
    @inlinable
    public mutating func append(_ label: UInt32) {
        switch storedCount {
        case 0: l0 = label
        case 1: l1 = label
        case 2: l2 = label
        default: break
        }
        if storedCount < UInt8.max { storedCount += 1 }
    }

    /// The kept labels (at most three).
    public var labels: [UInt32] { Array([l0, l1, l2].prefix(Int(min(storedCount, 3)))) }
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
