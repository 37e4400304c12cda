/// The per-direction facts an UPDATE cannot be decoded without, negotiated in OPEN:
/// AS number width (RFC 6793), ADD-PATH receive families (RFC 7911 §4) and extended messages (RFC 8654).
public struct DecodingContext: Sendable, Hashable, CustomStringConvertible {
    /// AS_PATH and AGGREGATOR carry 4-octet ASNs (both sides sent capability 65).
    public var fourOctetAS: Bool
    /// Families whose NLRI carry a path identifier in this direction.
    public var addPath: AddPathFamilies
    /// Messages up to 65535 bytes are allowed (both sides sent capability 6).
    public var extendedMessages: Bool

    public init(fourOctetAS: Bool = true, addPath: AddPathFamilies = AddPathFamilies(),
                extendedMessages: Bool = false) {
        self.fourOctetAS = fourOctetAS
        self.addPath = addPath
        self.extendedMessages = extendedMessages
    }

    public var description: String {
        var parts = [fourOctetAS ? "as4" : "as2"]
        if !addPath.isEmpty { parts.append("add-path(\(addPath))") }
        if extendedMessages { parts.append("extended-messages") }
        return parts.joined(separator: ",")
    }
}

/// A set of address families, compact for the eight we decode (one bit each) with a fallback list.
public struct AddPathFamilies: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline var knownBits: UInt8 = 0
    /// Families outside the eight known ones, sorted; `nil` when none (most sessions): an optional array holds no
    /// reference, so a context — and every `UpdateView`, which holds one — is copied and destroyed without
    /// reference counting it.
    @usableFromInline var others: [AddressFamily]?

    public init() {}

    public init(_ families: [AddressFamily]) {
        for f in families { insert(f) }
    }

    public mutating func insert(_ family: AddressFamily) {
        if let i = family.knownIndex {
            knownBits |= 1 << UInt8(i)
        } else if others == nil {
            others = [family]
        } else if others?.contains(family) == false {
            others?.append(family)
            others?.sort()
        }
    }

    @inlinable
    public func contains(_ family: AddressFamily) -> Bool {
        if let i = family.knownIndex { return knownBits & (1 << UInt8(i)) != 0 }
        return others?.contains(family) ?? false
    }

    public var isEmpty: Bool { knownBits == 0 && others == nil }

    /// `contains(.ipv4Unicast)`, for the per-UPDATE paths: a bit test, where `contains` was a call that built the
    /// family and found its index (some 20 instructions, twice per UPDATE of a full table).
    @inlinable public var containsIPv4Unicast: Bool { knownBits & 1 << 0 != 0 }
    /// `contains(.ipv6Unicast)`, as `containsIPv4Unicast`.
    @inlinable public var containsIPv6Unicast: Bool { knownBits & 1 << 4 != 0 }

    public var families: [AddressFamily] {
        let known: [AddressFamily] = [
            .ipv4Unicast, .ipv4Multicast, .ipv4Labeled, .ipv4VPN,
            .ipv6Unicast, .ipv6Multicast, .ipv6Labeled, .ipv6VPN,
        ]
        return (known.filter { contains($0) } + (others ?? [])).sorted()
    }

    public var description: String { families.map(\.description).joined(separator: " ") }
}
