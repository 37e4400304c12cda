import BGPWire

/// The registered prefixes of both families in longest-prefix-match tries, plus two filters over IPv4 space
/// — one bit per /24 (2 MiB) and a count per /16 — so that the common case, an Internet prefix unrelated
/// to the registry, is rejected with one or two array reads before any trie walk. Values are indices into
/// the registry's prefix list.
public struct PrefixIndex: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    /// Per IPv4 /16: 1 when some registered prefix intersects it.
    private var v4Buckets = [UInt8](repeating: 0, count: 1 << 16)
    /// Prefix sums of `v4Buckets`, for prefixes shorter than /16.
    private var v4BucketSums = [UInt32](repeating: 0, count: (1 << 16) + 1)
    /// One bit per IPv4 /24: set when some registered prefix intersects it.
    private var v4Slash24 = [UInt64](repeating: 0, count: (1 << 24) / 64)

    public init() {}

    public init(_ prefixes: [IPPrefix]) {
        v4.reserveCapacity(prefixes.count)
        for (i, p) in prefixes.enumerated() { insert(p, value: Int32(i)) }
        finish()
    }

    public var count: Int { v4.count + v6.count }
    public var memoryBytes: Int {
        v4.memoryBytes + v6.memoryBytes + v4Buckets.count + v4BucketSums.count * 4 + v4Slash24.count * 8
    }

    /// Bytes of the tries alone (what grows with the registry; the filters are a fixed 2.3 MiB).
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
        case .v6:
            return v6.insert(PrefixTrie.Key(prefix), value: value)
        }
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
    @inline(__always)
    public func relates(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p):
            let bucket = Int(p.address.value >> 16)
            if p.length >= 16 {
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
            } else {
                let end = min(bucket + (1 << (16 - Int(p.length))), 1 << 16)
                guard v4BucketSums[end] != v4BucketSums[bucket] else { return false }
            }
            return v4.intersects(PrefixTrie.Key(prefix))
        case .v6:
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
        case .v6:
            return v6.longestMatch(PrefixTrie.Key(prefix))
        }
    }

    /// Every registered prefix inside `prefix` (or equal to it).
    public func covered(by prefix: IPPrefix) -> [Int32] {
        prefix.isIPv4 ? v4.covered(by: PrefixTrie.Key(prefix)) : v6.covered(by: PrefixTrie.Key(prefix))
    }
}
