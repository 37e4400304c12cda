import BGPWire

/// The registered prefixes of both families in longest-prefix-match tries, plus filters — over IPv4 space one
/// bit per /24 (2 MiB) and a count per /16, over IPv6 space one bit per /20 (128 KiB) — so that the common
/// case, an Internet prefix unrelated to the registry, is rejected with one or two array reads before any trie
/// walk. Values are indices into the registry's prefix list.
public struct PrefixIndex: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    /// Per IPv4 /16: 1 when some registered prefix intersects it.
    private var v4Buckets = [UInt8](repeating: 0, count: 1 << 16)
    /// Prefix sums of `v4Buckets`, for prefixes shorter than /16.
    private var v4BucketSums = [UInt32](repeating: 0, count: (1 << 16) + 1)
    /// One bit per IPv4 /24: set when some registered prefix intersects it.
    private var v4Slash24 = [UInt64](repeating: 0, count: (1 << 24) / 64)
    /// One bit per IPv6 /20: set when some registered prefix intersects it. (A /20 is coarse, but a table's
    /// IPv6 prefixes spread over 2000::/3, 131,072 of them, and 128 KiB stays in a core's cache.)
    private var v6Slash20 = [UInt64](repeating: 0, count: (1 << 20) / 64)

    public init() {}

    public init(_ prefixes: [IPPrefix]) {
        v4.reserveCapacity(prefixes.count)
        for (i, p) in prefixes.enumerated() { insert(p, value: Int32(i)) }
        finish()
    }

    public var count: Int { v4.count + v6.count }
    public var memoryBytes: Int {
        v4.memoryBytes + v6.memoryBytes + v4Buckets.count + v4BucketSums.count * 4 + (v4Slash24.count + v6Slash20.count) * 8
    }

    /// Bytes of the tries alone (what grows with the registry; the filters are a fixed 2.4 MiB).
    public var trieBytes: Int { v4.memoryBytes + v6.memoryBytes }

    /// Adds a prefix; returns the value already stored for it, if any (a duplicate).
    @discardableResult
    public mutating func insert(_ prefix: IPPrefix, value: Int32) -> Int32? {
        switch prefix {
        case .v4(let p):
            let first = Int(p.address.value >> 16)
            let span = p.length >= 16 ? 1 : 1 << (16 - Int(p.length))
            for b in first..<min(first + span, 1 << 16) { v4Buckets[b] = 1 }
            let first24 = Int(p.address.value >> 8)
            let span24 = p.length >= 24 ? 1 : 1 << (24 - Int(p.length))
            for b in first24..<min(first24 + span24, 1 << 24) { v4Slash24[b >> 6] |= 1 << UInt64(b & 63) }
            return v4.insert(PrefixTrie.Key(prefix), value: value)
        case .v6(let p):
            let first = Self.slash20(p)
            let span = p.length >= 20 ? 1 : 1 << (20 - Int(p.length))
            for b in first..<first + span { v6Slash20[b >> 6] |= 1 << UInt64(b & 63) }
            return v6.insert(PrefixTrie.Key(prefix), value: value)
        }
    }

    /// The index of the IPv6 /20 holding `p`'s first address.
    @inline(__always)
    private static func slash20(_ p: IPv6Prefix) -> Int { Int(p.address.high >> 44) }

    /// Whether the /20 holding `p`'s first address intersects a registered prefix.
    @inline(__always)
    private func v6Slash20Set(_ p: IPv6Prefix) -> Bool {
        let b = Self.slash20(p)
        return v6Slash20[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// Recomputes the range filter after inserts.
    public mutating func finish() {
        var sum: UInt32 = 0
        for i in 0..<(1 << 16) {
            v4BucketSums[i] = sum
            sum += UInt32(v4Buckets[i])
        }
        v4BucketSums[1 << 16] = sum
    }

    /// True when a registered prefix covers, equals or lies inside `prefix` — the routes the engine watches.
    ///
    /// Two prefixes that share an address are nested, so when a registered prefix intersects the /16s or /24s
    /// an IPv4 prefix of /24 or shorter spans, it covers that prefix or lies inside it: the filters answer
    /// exactly, and only a prefix longer than /24 (a /24 holding a longer registered prefix) walks the trie.
    @inline(__always)
    public func relates(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p):
            let bucket = Int(p.address.value >> 16)
            guard p.length >= 16 else {
                let end = min(bucket + (1 << (16 - Int(p.length))), 1 << 16)
                return v4BucketSums[end] != v4BucketSums[bucket]
            }
            guard v4Buckets[bucket] != 0 else { return false }
            // Within the /16, look at the /24 bits the prefix spans (1 to 256 bits, within 4 words).
            let first = Int(p.address.value >> 8)
            if p.length >= 18 {
                let count = p.length >= 24 ? 1 : 1 << (24 - Int(p.length))
                let mask: UInt64 = count == 64 ? ~0 : ((1 << UInt64(count)) - 1) << UInt64(first & 63)
                guard v4Slash24[first >> 6] & mask != 0 else { return false }
            } else {
                let words = (1 << (24 - Int(p.length))) / 64
                var any: UInt64 = 0
                for w in 0..<words { any |= v4Slash24[(first >> 6) + w] }
                guard any != 0 else { return false }
            }
            return p.length <= 24 || v4.intersects(PrefixTrie.Key(prefix))
        case .v6(let p):
            // A prefix of /20 or longer lies in one /20; a shorter one (rare in a table) goes to the trie.
            guard p.length < 20 || v6Slash20Set(p) else { return false }
            return v6.intersects(PrefixTrie.Key(prefix))
        }
    }

    /// The most specific registered prefix covering (or equal to) `prefix`.
    @inline(__always)
    public func longestMatch(_ prefix: IPPrefix) -> Int32? {
        switch prefix {
        case .v4(let p):
            guard v4Buckets[Int(p.address.value >> 16)] != 0 else { return nil }
            return v4.longestMatch(PrefixTrie.Key(prefix))
        case .v6(let p):
            // A prefix covering `p` contains its first address, so it intersects that address's /20.
            guard v6Slash20Set(p) else { return nil }
            return v6.longestMatch(PrefixTrie.Key(prefix))
        }
    }

    /// Every registered prefix inside `prefix` (or equal to it).
    public func covered(by prefix: IPPrefix) -> [Int32] {
        prefix.isIPv4 ? v4.covered(by: PrefixTrie.Key(prefix)) : v6.covered(by: PrefixTrie.Key(prefix))
    }
}
