/// An IPv4 prefix: address with host bits cleared, and a length 0...32.
public struct IPv4Prefix: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let address: IPv4Address
    public let length: UInt8

    /// 0.0.0.0/0.
    @inlinable public static var defaultRoute: IPv4Prefix { IPv4Prefix(masked: IPv4Address(0), length: 0) }

    /// A prefix whose host bits are clear and length at most 32.
    @usableFromInline init(masked address: IPv4Address, length: UInt8) {
        self.address = address
        self.length = length
    }

    /// Builds a prefix, clearing host bits; `nil` when `length > 32`.
    @inlinable
    public init?(address: IPv4Address, length: UInt8) {
        guard length <= 32 else { return nil }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))
        self.address = IPv4Address(address.value & mask)
        self.length = length
    }

    /// True when `other` lies inside this prefix (or equals it).
    @inlinable
    public func contains(_ other: IPv4Prefix) -> Bool {
        guard other.length >= length else { return false }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))
        return other.address.value & mask == address.value
    }

    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.address.value, lhs.length) < (rhs.address.value, rhs.length)
    }

    public var description: String { "\(address)/\(length)" }
}

/// An IPv6 prefix: address with host bits cleared, and a length 0...128.
public struct IPv6Prefix: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let address: IPv6Address
    public let length: UInt8

    /// Builds a prefix, clearing host bits; `nil` when `length > 128`.
    @inlinable
    public init?(address: IPv6Address, length: UInt8) {
        guard length <= 128 else { return nil }
        let (mh, ml) = IPv6Prefix.mask(length)
        self.address = IPv6Address(high: address.high & mh, low: address.low & ml)
        self.length = length
    }

    @inlinable
    static func mask(_ length: UInt8) -> (UInt64, UInt64) {
        let l = UInt64(length)
        let high: UInt64 = l == 0 ? 0 : (l >= 64 ? ~0 : ~UInt64(0) << (64 - l))
        let low: UInt64 = l <= 64 ? 0 : (l >= 128 ? ~0 : ~UInt64(0) << (128 - l))
        return (high, low)
    }

    /// True when `other` lies inside this prefix (or equals it).
    @inlinable
    public func contains(_ other: IPv6Prefix) -> Bool {
        guard other.length >= length else { return false }
        let (mh, ml) = IPv6Prefix.mask(length)
        return other.address.high & mh == address.high && other.address.low & ml == address.low
    }

    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }

    public var description: String { "\(address)/\(length)" }
}

/// An IP prefix of either family; a fixed-size value (no allocation).
public enum IPPrefix: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    /// Parses `a.b.c.d/n` or `x:y::/n`; host bits must be clear unless `allowHostBits`.
    public init?(_ text: some StringProtocol, allowHostBits: Bool = false) {
        // Read as contiguous bytes: walking `String.UTF8View` by index was most of a registry entry's parse.
        var text = String(text)
        guard let prefix = text.withUTF8({ IPPrefix(utf8: $0, allowHostBits: allowHostBits) }) else { return nil }
        self = prefix
    }

    /// The same, from UTF-8 bytes (bulk loaders use this without making a `String`).
    @inlinable
    public init?<Bytes: BidirectionalCollection<UInt8>>(utf8 bytes: Bytes, allowHostBits: Bool = false) {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        var length = 0
        var digits = 0
        for c in bytes[bytes.index(after: slash)...] {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), digits < 3 else { return nil }
            length = length * 10 + Int(c - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits > 0, length <= 128 else { return nil }
        let addressBytes = bytes[..<slash]
        if addressBytes.contains(UInt8(ascii: ":")) {
            guard let a = addressBytes.withContiguousStorageIfAvailable({ IPv6Address(utf8: $0) })
                    ?? IPv6Address(String(decoding: addressBytes, as: UTF8.self)),
                let p = IPv6Prefix(address: a, length: UInt8(length)), allowHostBits || p.address == a
            else { return nil }
            self = .v6(p)
        } else {
            guard let a = IPv4Address(utf8: addressBytes), let p = IPv4Prefix(address: a, length: UInt8(length)),
                allowHostBits || p.address == a
            else { return nil }
            self = .v4(p)
        }
    }

    public var length: UInt8 {
        switch self {
        case .v4(let p): p.length
        case .v6(let p): p.length
        }
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .v4(let p): p.description
        case .v6(let p): p.description
        }
    }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

/// An autonomous system number; always 32 bits wide (RFC 6793).
public typealias ASN = UInt32

extension ASN {
    /// AS_TRANS (RFC 6793 §9): stands in for a 4-octet ASN towards 2-octet speakers.
    public static let asTrans: ASN = 23456
}
