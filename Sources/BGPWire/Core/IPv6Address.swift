/// An IPv6 address (RFC 4291) as two host-order `UInt64` halves; printed per RFC 5952.
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    @inlinable public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses RFC 4291 text (`2001:db8::1`, `::ffff:192.0.2.1`); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var string = String(text)
        guard let address = string.withUTF8({ IPv6Address(utf8: $0) }) else { return nil }
        self = address
    }

    /// The same, from UTF-8 bytes, without allocating (bulk loaders read 100,000s of these).
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let colon = UInt8(ascii: ":")
        // Split at the single "::", if any.
        var gap: Int?
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == colon && bytes[i + 1] == colon {
                guard gap == nil else { return nil }
                gap = i
                i += 2
                continue
            }
            i += 1
        }
        var head = Groups()
        var tail = Groups()
        if let gap {
            guard head.read(bytes, 0..<gap, allowIPv4: false), tail.read(bytes, (gap + 2)..<bytes.count, allowIPv4: true),
                head.count + tail.count <= 7
            else { return nil }
        } else {
            guard head.read(bytes, 0..<bytes.count, allowIPv4: true), head.count == 8 else { return nil }
        }
        // The head's groups, zeros for the gap, then the tail's groups.
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<8 {
            let word: UInt16 = k < head.count ? head.words[k] : (k >= 8 - tail.count ? tail.words[k - (8 - tail.count)] : 0)
            if k < 4 { high = high << 16 | UInt64(word) } else { low = low << 16 | UInt64(word) }
        }
        self.init(high: high, low: low)
    }

    /// Colon-separated hex groups (1–4 digits each) of one side of the "::"; an IPv4 dotted quad may end the
    /// last side. Up to eight, kept inline.
    private struct Groups {
        var words = SIMD8<UInt16>()
        var count = 0

        mutating func append(_ word: UInt16) {
            words[count] = word
            count += 1
        }

        mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, allowIPv4: Bool) -> Bool {
            if range.isEmpty { return true }
            var value: UInt32 = 0
            var digits = 0
            var index = range.lowerBound
            var groupStart = index
            while index <= range.upperBound {
                let c = index < range.upperBound ? bytes[index] : UInt8(ascii: ":")
                if c == UInt8(ascii: ":") {
                    guard digits > 0, count < 8 else { return false }
                    append(UInt16(value))
                    value = 0
                    digits = 0
                    groupStart = index + 1
                } else if c == UInt8(ascii: ".") {
                    guard allowIPv4, count <= 6,
                        let v4 = IPv4Address(utf8: UnsafeBufferPointer(rebasing: bytes[groupStart..<range.upperBound]))
                    else { return false }
                    append(UInt16(v4.value >> 16))
                    append(UInt16(v4.value & 0xFFFF))
                    return true
                } else {
                    let v: UInt8
                    switch c {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
                    default: return false
                    }
                    value = value << 4 | UInt32(v)
                    digits += 1
                    guard digits <= 4 else { return false }
                }
                index += 1
            }
            return true
        }
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64((3 - i % 4) * 16))
        }
    }

    /// RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`.
    public var description: String {
        let g = groups
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(g[k], radix: 16)
            k += 1
        }
        return out
    }
}
