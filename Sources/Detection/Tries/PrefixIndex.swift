import BGPWire

/// The registered prefixes of both families in longest-prefix-match tries, each behind a `PrefixFilter` — over
/// IPv4 space one bit per /16 (8 KiB) and, for the /16s that bit marks, one bit per /22 (8 bytes per marked /16);
/// over IPv6 space one bit per /20 (128 KiB) and, for the marked /20s, one bit per /26 — so that the common case,
/// an Internet prefix unrelated to the registry, is rejected with one or two reads of memory that stays in a
/// core's cache before any trie walk. Values are indices into the registry's prefix list.
public struct PrefixIndex: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    private var v4Filter: PrefixFilter
    /// (A /20 is coarse, but a table's IPv6 prefixes spread over 2000::/3, 131,072 of them, and 128 KiB stays in a
    /// core's cache; the /26 level then passes 1 in 37 of the benchmark table's IPv6 prefixes, where the /20 alone
    /// passed 7 in 10 to the trie.)
    private var v6Filter: PrefixFilter
    /// Per marked /16 and /20, in the filters' rank order, where trie walks for the prefixes inside it start (the
    /// engine's longest-match walks from the root missed the cache at most of a 10,000-prefix trie's ~14 levels).
    private var v4Entries: [PrefixTrie.EntryPoint] = []
    private var v6Entries: [PrefixTrie.EntryPoint] = []

    public init() {
        v4Filter = PrefixFilter(coarseBits: 16, spans: [])
        v6Filter = PrefixFilter(coarseBits: 20, spans: [])
    }

    public init(_ prefixes: [IPPrefix]) {
        v4.reserveCapacity(prefixes.count)
        var v4Spans: [(top: UInt32, length: Int)] = []
        var v6Spans: [(top: UInt32, length: Int)] = []
        for (i, prefix) in prefixes.enumerated() {
            switch prefix {
            case .v4(let p):
                v4.insert(PrefixTrie.Key(prefix), value: Int32(i))
                v4Spans.append((p.address.value, Int(p.length)))
            case .v6(let p):
                v6.insert(PrefixTrie.Key(prefix), value: Int32(i))
                v6Spans.append((Self.top(p), min(Int(p.length), 32)))
            }
        }
        v4Filter = PrefixFilter(coarseBits: 16, spans: v4Spans)
        v6Filter = PrefixFilter(coarseBits: 20, spans: v6Spans)
        v4Filter.forEachMarked { [v4] c in
            v4Entries.append(v4.entryPoint(of: PrefixTrie.Key(high: UInt64(c) << 48, low: 0, length: 16)))
        }
        v6Filter.forEachMarked { [v6] c in
            v6Entries.append(v6.entryPoint(of: PrefixTrie.Key(high: UInt64(c) << 44, low: 0, length: 20)))
        }
    }

    public var count: Int { v4.count + v6.count }
    public var memoryBytes: Int {
        trieBytes + v4Filter.memoryBytes + v6Filter.memoryBytes
            + (v4Entries.capacity + v6Entries.capacity) * MemoryLayout<PrefixTrie.EntryPoint>.stride
    }

    /// Bytes of the tries alone (what grows with the registry; the filters are 200 KiB plus 16 bytes per IPv4 /16
    /// and IPv6 /20 a registered prefix intersects, with the trie entry points).
    public var trieBytes: Int { v4.memoryBytes + v6.memoryBytes }

    /// The top 32 bits of an IPv6 prefix's address, what its filter reads.
    @inline(__always)
    private static func top(_ p: IPv6Prefix) -> UInt32 { UInt32(truncatingIfNeeded: p.address.high >> 32) }

    /// True when a registered prefix covers, equals or lies inside `prefix` — the routes the engine watches.
    /// The filters answer exactly up to /22 (IPv4) and /26 (IPv6); only a longer prefix whose /22 or /26 holds a
    /// registered prefix walks the trie, and so does an IPv6 prefix shorter than /20 (rare in a table; the /20
    /// level would read up to 128 KiB for it).
    @inline(__always)
    public func relates(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p):
            let top = p.address.value, length = Int(p.length)
            guard length >= 16 else { return v4Filter.intersectsCoarse(top: top, length: length) }
            guard mayRelate(ipv4Top: top, length: length) else { return false }
            guard length > v4Filter.fineBits else { return true }
            return v4.intersects(PrefixTrie.Key(prefix), from: v4Entries[v4Filter.rank(ofMarked: Int(top >> 16))])
        case .v6(let p):
            let top = Self.top(p), length = Int(p.length)
            guard length >= 20 else { return v6.intersects(PrefixTrie.Key(prefix)) }
            guard mayRelate(ipv6Top: top, length: length) else { return false }
            guard length > v6Filter.fineBits else { return true }
            return v6.intersects(PrefixTrie.Key(prefix), from: v6Entries[v6Filter.rank(ofMarked: Int(top >> 12))])
        }
    }

    /// False when no registered prefix intersects IPv4 /16 number `slash16` (a prefix's first two octets): then
    /// no prefix of /16 or longer in it relates to the registry.
    @inline(__always)
    public func mayRelate(ipv4Slash16 slash16: Int) -> Bool { v4Filter.coarseSet(slash16) }

    /// False when no registered prefix relates to the IPv4 prefix of `length` (16 or more) whose address's top bits
    /// are `top` — as `relates` answers, without the trie: exact up to /22 (bits past the prefix's own, even when
    /// not cleared, do not reach the filter's blocks), and for a longer prefix true when its /22 may hold one.
    @inline(__always)
    public func mayRelate(ipv4Top top: UInt32, length: Int) -> Bool { v4Filter.intersects(top: top, length: length) }

    /// The same for an IPv6 prefix of `length` 20 or more, from its address's top 32 bits: exact up to /26.
    @inline(__always)
    public func mayRelate(ipv6Top top: UInt32, length: Int) -> Bool {
        v6Filter.intersects(top: top, length: min(length, 32))
    }

    /// The most specific registered prefix covering (or equal to) `prefix`.
    @inline(__always)
    public func longestMatch(_ prefix: IPPrefix) -> Int32? {
        // A prefix covering `p` contains its first address, so it intersects the filter blocks that address is in.
        switch prefix {
        case .v4(let p):
            let top = p.address.value, length = Int(p.length)
            guard length >= 16 else {
                return v4Filter.coarseSet(Int(top >> 16)) ? v4.longestMatch(PrefixTrie.Key(prefix)) : nil
            }
            guard v4Filter.intersects(top: top, length: length) else { return nil }
            return v4.longestMatch(PrefixTrie.Key(prefix), from: v4Entries[v4Filter.rank(ofMarked: Int(top >> 16))])
        case .v6(let p):
            let top = Self.top(p), length = Int(p.length)
            guard length >= 20 else {
                return v6Filter.coarseSet(Int(top >> 12)) ? v6.longestMatch(PrefixTrie.Key(prefix)) : nil
            }
            guard v6Filter.intersects(top: top, length: min(length, 32)) else { return nil }
            return v6.longestMatch(PrefixTrie.Key(prefix), from: v6Entries[v6Filter.rank(ofMarked: Int(top >> 12))])
        }
    }

    /// Every registered prefix inside `prefix` (or equal to it).
    public func covered(by prefix: IPPrefix) -> [Int32] {
        prefix.isIPv4 ? v4.covered(by: PrefixTrie.Key(prefix)) : v6.covered(by: PrefixTrie.Key(prefix))
    }
}
