/// A two-level bitmap over the top 32 bits of one family's addresses, in front of `PrefixIndex`'s trie: one bit
/// per coarse block of `coarseBits` bits (an IPv4 /16, an IPv6 /20), and, for each coarse block a registered prefix
/// intersects, a word of 64 bits, one per /`fineBits` in it (an IPv4 /22, an IPv6 /26). Fine words are numbered by
/// the rank of their coarse bit among the set ones, so they cost 8 bytes per marked coarse block, and 8 of them
/// share a cache line: the fine level of a 10,000-prefix registry is 66 KiB and stays in a core's cache. (A flat
/// bitmap of all IPv4 /24s, 2 MiB, missed the cache on most reads of a full table; 32-byte blocks of /24 bits per
/// /16, 265 KiB, still missed on most reads that got past the /16 bit.)
///
/// Two prefixes that share an address are nested, so when a registered prefix intersects the fine blocks a prefix
/// of `fineBits` or shorter spans, it covers that prefix or lies inside it: for those the filter's answer is
/// exact, and only a longer prefix whose fine block is marked needs the trie. A registered prefix shorter than the
/// coarse level costs 8 bytes per coarse block it spans (an IPv6 /12: 2 KiB).
struct PrefixFilter: Sendable {
    /// Bits of the coarse level: 16 (IPv4) or 20 (IPv6).
    let coarseBits: Int
    /// One bit per coarse block: set when some registered prefix intersects it.
    private var coarse: [UInt64]
    /// Per word of `coarse`, how many bits the words before it have set: with the bits before a block's own in
    /// its word, the rank of a marked coarse block among all marked ones, which numbers its fine block.
    private var rankBase: [UInt32]
    /// Per marked coarse block, in order, a word with one bit per fine block in it.
    private var fine: [UInt64] = []

    /// Bits of the fine level: a prefix up to this length is answered exactly.
    var fineBits: Int { coarseBits + 6 }

    /// `spans`: each registered prefix as its address's top 32 bits and its length (capped at 32).
    init(coarseBits: Int, spans: [(top: UInt32, length: Int)]) {
        precondition((8...24).contains(coarseBits), "a coarse level of 8 to 24 bits (the fine one is 6 more)")
        self.coarseBits = coarseBits
        coarse = [UInt64](repeating: 0, count: max(1, (1 << coarseBits) / 64))
        rankBase = [UInt32](repeating: 0, count: coarse.count)
        for span in spans {
            let (first, count) = Self.range(span.top, length: span.length, bits: coarseBits)
            for b in first..<first + count { coarse[b >> 6] |= 1 << UInt64(b & 63) }
        }
        // The fine words are numbered by the rank of their coarse bit, so they are laid out once all are marked.
        var marked = 0
        for w in coarse.indices {
            rankBase[w] = UInt32(marked)
            marked += coarse[w].nonzeroBitCount
        }
        fine = [UInt64](repeating: 0, count: marked)
        for span in spans {
            let (first, count) = Self.range(span.top, length: span.length, bits: fineBits)
            if count >= 64 {
                // Whole coarse blocks (a prefix of the coarse level or shorter).
                for c in (first >> 6)..<((first + count) >> 6) { fine[rank(ofMarked: c)] = ~0 }
            } else {
                fine[rank(ofMarked: first >> 6)] |= Self.mask(first: first, count: count)
            }
        }
    }

    var memoryBytes: Int { coarse.count * 8 + rankBase.count * 4 + fine.count * 8 }

    /// `count` bits (1 to 64, not crossing a word) from bit `first & 63` of a word.
    @inline(__always)
    private static func mask(first: Int, count: Int) -> UInt64 {
        count == 64 ? ~0 : ((1 << UInt64(count)) &- 1) << UInt64(first & 63)
    }

    /// The first of the `bits`-bit blocks a prefix (`top`, `length`) spans, and how many.
    @inline(__always)
    private static func range(_ top: UInt32, length: Int, bits: Int) -> (first: Int, count: Int) {
        let count = length >= bits ? 1 : 1 << (bits - length)
        return (Int(top >> UInt32(32 - bits)) & ~(count - 1), count)
    }

    /// Marked coarse block `c`'s rank among the marked ones (its word in `fine`; `PrefixIndex` numbers its trie
    /// entry points the same way).
    @inline(__always)
    func rank(ofMarked c: Int) -> Int {
        let below = coarse[c >> 6] & ((1 << UInt64(c & 63)) &- 1)
        return Int(rankBase[c >> 6]) + below.nonzeroBitCount
    }

    /// Calls `body` with every marked coarse block number, in rank order.
    func forEachMarked(_ body: (Int) -> Void) {
        for (w, word) in coarse.enumerated() {
            var bits = word
            while bits != 0 {
                body(w << 6 | bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
    }

    /// Whether coarse block number `c` (the top `coarseBits` of an address) intersects a registered prefix.
    @inline(__always)
    func coarseSet(_ c: Int) -> Bool {
        coarse[c >> 6] & (1 << UInt64(c & 63)) != 0
    }

    /// Whether a registered prefix intersects the prefix of address top bits `top` and length `length` (at least
    /// `coarseBits`; capped at 32): exact up to `fineBits`, else whether one intersects its fine block.
    @inline(__always)
    func intersects(top: UInt32, length: Int) -> Bool {
        let c = Int(top >> UInt32(32 - coarseBits))
        guard coarseSet(c) else { return false }
        let (first, count) = Self.range(top, length: length, bits: fineBits)
        return fine[rank(ofMarked: c)] & Self.mask(first: first, count: count) != 0
    }

    /// Whether any of the coarse blocks a prefix shorter than `coarseBits` spans intersects a registered prefix
    /// (exact for such a prefix: nested, as above). Reads up to 2^`coarseBits` bits: callers with a large coarse
    /// level send short prefixes to the trie instead.
    func intersectsCoarse(top: UInt32, length: Int) -> Bool {
        let (first, count) = Self.range(top, length: length, bits: coarseBits)
        guard count >= 64 else { return coarse[first >> 6] & Self.mask(first: first, count: count) != 0 }
        var any: UInt64 = 0
        for w in (first >> 6)..<((first + count) >> 6) { any |= coarse[w] }
        return any != 0
    }
}
