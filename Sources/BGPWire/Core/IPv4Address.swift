/// An IPv4 address (RFC 791) as a host-order `UInt32`.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    @inlinable public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text (`192.0.2.1`); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var parts: [UInt32] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3, let n = UInt32(part), n <= 255 else { return nil }
            parts.append(n)
        }
        guard parts.count == 4 else { return nil }
        value = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public var description: String {
        var out = ""
        out.reserveCapacity(15)
        for shift in stride(from: 24, through: 0, by: -8) {
            if shift != 24 { out.append(".") }
            out.append(String((value >> UInt32(shift)) & 0xFF))
        }
        return out
    }
}
