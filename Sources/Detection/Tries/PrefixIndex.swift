import BGPWire

/// The registered prefixes of both families in longest-prefix-match tries, plus filters — over IPv4 space one
/// bit per /16 (8 KiB) and, for the /16s that bit marks, one bit per /24 (32 bytes per marked /16); over IPv6
/// space one bit per /20 (128 KiB) — so that the common case, an Internet prefix unrelated to the registry, is
/// rejected with one or two reads of memory that stays in a core's cache before any trie walk. (A flat bitmap of
/// all /24s, 2 MiB, missed the cache on most reads of a full table.) Values are indices into the registry's
/// prefix list.
public struct PrefixIndex: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    /// One bit per IPv4 /16: set when some registered prefix intersects it.
    private var v4Slash16 = [UInt64](repeating: 0, count: (1 << 16) / 64)
    /// Per word of `v4Slash16`, how many bits the words before it have set: with the bits before a /16's own in
    /// its word, the rank of a marked /16 among all marked ones, which numbers its block in `v4Slash24`.
    private var v4Slash16RankBase = [UInt16](repeating: 0, count: (1 << 16) / 64)
    /// Per marked /16, in order, a block of four words, one bit per /24 in it: set when some registered prefix
    /// intersects that /24.
    private var v4Slash24: [UInt64] = []
    /// One bit per IPv6 /20: set when some registered prefix intersects it. (A /20 is coarse, but a table's
    /// IPv6 prefixes spread over 2000::/3, 131,072 of them, and 128 KiB stays in a core's cache.)
    private var v6Slash20 = [UInt64](repeating: 0, count: (1 << 20) / 64)

    /// Words of `v4Slash24` per /16.
    private static let wordsPerSlash16 = 256 / 64

    public init() {}

    public init(_ prefixes: [IPPrefix]) {
        v4.reserveCapacity(prefixes.count)
        for (i, p) in prefixes.enumerated() { insert(p, value: Int32(i)) }
        // The /24 blocks are numbered by the rank of their /16, so they are laid out once all /16s are marked.
        var marked = 0
        for w in v4Slash16.indices {
            v4Slash16RankBase[w] = UInt16(truncatingIfNeeded: marked)  // ≤ 65,472: the words before are 1023 at most
            marked += v4Slash16[w].nonzeroBitCount
        }
        v4Slash24 = [UInt64](repeating: 0, count: marked * Self.wordsPerSlash16)
        for case .v4(let p) in prefixes {
            let first24 = Int(p.address.value >> 8)
            let span24 = p.length >= 24 ? 1 : 1 << (24 - Int(p.length))
            for b in first24..<min(first24 + span24, 1 << 24) {
                v4Slash24[slash24Block(ofMarkedSlash16: b >> 8) + (b & 0xFF) >> 6] |= 1 << UInt64(b & 63)
            }
        }
    }

    public var count: Int { v4.count + v6.count }
    public var memoryBytes: Int {
        v4.memoryBytes + v6.memoryBytes + v4Slash16RankBase.count * 2 + (v4Slash16.count + v4Slash24.count + v6Slash20.count) * 8
    }

    /// Bytes of the tries alone (what grows with the registry; the filters are 138 KiB plus 32 bytes per /16
    /// a registered prefix intersects).
    public var trieBytes: Int { v4.memoryBytes + v6.memoryBytes }

    /// Adds a prefix to its trie and marks its /16s or /20s; the /24 blocks are filled afterwards (`init`).
    private mutating func insert(_ prefix: IPPrefix, value: Int32) {
        switch prefix {
        case .v4(let p):
            let first = Int(p.address.value >> 16)
            let span = p.length >= 16 ? 1 : 1 << (16 - Int(p.length))
            for b in first..<min(first + span, 1 << 16) { v4Slash16[b >> 6] |= 1 << UInt64(b & 63) }
            v4.insert(PrefixTrie.Key(prefix), value: value)
        case .v6(let p):
            let first = Self.slash20(p)
            let span = p.length >= 20 ? 1 : 1 << (20 - Int(p.length))
            for b in first..<first + span { v6Slash20[b >> 6] |= 1 << UInt64(b & 63) }
            v6.insert(PrefixTrie.Key(prefix), value: value)
        }
    }

    /// The index of the first word of marked IPv4 /16 number `slash16`'s block in `v4Slash24`.
    @inline(__always)
    private func slash24Block(ofMarkedSlash16 slash16: Int) -> Int {
        let below = v4Slash16[slash16 >> 6] & ((1 << UInt64(slash16 & 63)) &- 1)
        return (Int(v4Slash16RankBase[slash16 >> 6]) + below.nonzeroBitCount) * Self.wordsPerSlash16
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

    /// Whether IPv4 /16 number `slash16` intersects a registered prefix.
    @inline(__always)
    private func v4Slash16Set(_ slash16: Int) -> Bool {
        v4Slash16[slash16 >> 6] & (1 << UInt64(slash16 & 63)) != 0
    }

    /// Whether any of the `count` IPv4 /16s from number `first` (a power of two, `first` aligned to it)
    /// intersects a registered prefix.
    private func anyV4Slash16Set(from first: Int, count: Int) -> Bool {
        guard count >= 64 else {
            let mask: UInt64 = ((1 << UInt64(count)) - 1) << UInt64(first & 63)
            return v4Slash16[first >> 6] & mask != 0
        }
        var any: UInt64 = 0
        for w in (first >> 6)..<((first + count) >> 6) { any |= v4Slash16[w] }
        return any != 0
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
            let slash16 = Int(p.address.value >> 16)
            guard p.length >= 16 else {
                return anyV4Slash16Set(from: slash16 & ~((1 << (16 - Int(p.length))) - 1), count: 1 << (16 - Int(p.length)))
            }
            guard v4Slash16Set(slash16) else { return false }
            // Within the /16's block, look at the /24 bits the prefix spans (1 to 256 bits, within 4 words).
            let first = Int(p.address.value >> 8) & 0xFF
            let word = slash24Block(ofMarkedSlash16: slash16) + first >> 6
            if p.length >= 18 {
                let count = p.length >= 24 ? 1 : 1 << (24 - Int(p.length))
                let mask: UInt64 = count == 64 ? ~0 : ((1 << UInt64(count)) - 1) << UInt64(first & 63)
                guard v4Slash24[word] & mask != 0 else { return false }
            } else {
                var any: UInt64 = 0
                for w in 0..<(1 << (24 - Int(p.length))) / 64 { any |= v4Slash24[word + w] }
                guard any != 0 else { return false }
            }
            return p.length <= 24 || v4.intersects(PrefixTrie.Key(prefix))
        case .v6(let p):
            // A prefix of /20 or longer lies in one /20; a shorter one (rare in a table) goes to the trie.
            guard p.length < 20 || v6Slash20Set(p) else { return false }
            return v6.intersects(PrefixTrie.Key(prefix))
        }
    }

    /// False when no registered prefix intersects IPv4 /16 number `slash16` (a prefix's first two octets): then
    /// no prefix of /16 or longer in it relates to the registry.
    @inline(__always)
    public func mayRelate(ipv4Slash16 slash16: Int) -> Bool { v4Slash16Set(slash16) }

    /// The most specific registered prefix covering (or equal to) `prefix`.
    @inline(__always)
    public func longestMatch(_ prefix: IPPrefix) -> Int32? {
        switch prefix {
        case .v4(let p):
            guard v4Slash16Set(Int(p.address.value >> 16)) else { return nil }
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
