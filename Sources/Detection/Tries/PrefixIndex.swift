import BGPWire

/// The registered prefixes of both families in longest-prefix-match tries, plus a 64 Ki-bucket filter
/// over IPv4 /16s so that the common case — an Internet prefix unrelated to the registry — is rejected
/// with one array read. Values are indices into the registry's prefix list.
public struct PrefixIndex: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    /// Per IPv4 /16: 1 when some registered prefix intersects it.
    private var v4Buckets = [UInt8](repeating: 0, count: 1 << 16)
    /// Prefix sums of `v4Buckets`, for prefixes shorter than /16.
    private var v4BucketSums = [UInt32](repeating: 0, count: (1 << 16) + 1)

    public init() {}

    public init(_ prefixes: [IPPrefix]) {
        v4.reserveCapacity(prefixes.count)
        for (i, p) in prefixes.enumerated() { insert(p, value: Int32(i)) }
        finish()
    }

    public var count: Int { v4.count + v6.count }
    public var memoryBytes: Int { v4.memoryBytes + v6.memoryBytes + v4Buckets.count + v4BucketSums.count * 4 }

    /// Adds a prefix; returns the value already stored for it, if any (a duplicate).
    @discardableResult
    public mutating func insert(_ prefix: IPPrefix, value: Int32) -> Int32? {
        switch prefix {
        case .v4(let p):
            let first = Int(p.address.value >> 16)
            let span = p.length >= 16 ? 1 : 1 << (16 - Int(p.length))
            for b in first..<min(first + span, 1 << 16) { v4Buckets[b] = 1 }
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
