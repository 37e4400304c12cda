import BGPWire
import Foundation

/// A Validated ROA Payload (RFC 6811 §2): prefix, maximum length, origin AS.
public struct VRP: Sendable, Hashable {
    public var prefix: IPPrefix
    public var maxLength: UInt8
    public var asn: ASN

    public init(prefix: IPPrefix, maxLength: UInt8, asn: ASN) {
        self.prefix = prefix
        self.maxLength = maxLength
        self.asn = asn
    }
}

/// RFC 6811 route origin validation states.
public enum ROVState: String, Sendable, Hashable, CaseIterable {
    case valid, invalid, notFound = "not-found"
}

/// The RPKI data set: VRPs indexed for RFC 6811 validation, plus ASPA records (customer → providers),
/// loaded from rpki-client (`-j`) or Routinator (`json`/`jsonext`) output, with RFC 8416 SLURM applied.
///
/// IPv4 VRPs live in 65,536 contiguous buckets, one per /16 (a VRP shorter than /16 is copied into every
/// bucket it covers), so validating a prefix scans a handful of adjacent entries instead of walking a
/// 600,000-entry trie through main memory. IPv6 VRPs, far fewer, sit in one array sorted by address, each
/// prefix's run of VRPs indexed by a PATRICIA trie (single lookups) and the whole array swept for a batch of
/// queries put in address order (`countValidity`).
public struct RPKIData: Sendable {
    struct V4Entry: Sendable {
        var address: UInt32
        var length: UInt8
        var maxLength: UInt8
        var asn: UInt32
    }

    /// An IPv6 VRP, or an IPv6 query of `countValidity` (then `maxLength` is unused and `asn` is the origin,
    /// `hasOrigin` false for an AS_SET origin).
    struct V6Entry: Sendable {
        var high: UInt64
        var low: UInt64
        var length: UInt8
        var maxLength: UInt8
        var hasOrigin: Bool
        var asn: UInt32

        init(_ p: IPv6Prefix, maxLength: UInt8, asn: ASN?) {
            high = p.address.high
            low = p.address.low
            length = p.length
            self.maxLength = maxLength
            hasOrigin = asn != nil
            self.asn = asn ?? 0
        }

        /// Whether this prefix contains the address (`high`, `low`).
        @inline(__always)
        func contains(_ high: UInt64, _ low: UInt64) -> Bool {
            let l = UInt64(length)
            let maskHigh: UInt64 = l == 0 ? 0 : (l >= 64 ? ~0 : ~UInt64(0) << (64 - l))
            let maskLow: UInt64 = l <= 64 ? 0 : (l >= 128 ? ~0 : ~UInt64(0) << (128 - l))
            return (high ^ self.high) & maskHigh == 0 && (low ^ self.low) & maskLow == 0
        }

        @inline(__always)
        static func < (a: V6Entry, b: V6Entry) -> Bool { (a.high, a.low, a.length) < (b.high, b.low, b.length) }

        @inline(__always)
        func samePrefix(as other: V6Entry) -> Bool { (high, low, length) == (other.high, other.low, other.length) }

        var prefix: IPPrefix? { IPv6Prefix(address: IPv6Address(high: high, low: low), length: length).map(IPPrefix.v6) }
    }

    private var v4Entries: [V4Entry] = []
    /// Per bucket, in one cache line with its neighbours: `v4Entries[start..<next bucket's start]` are the
    /// VRPs intersecting /16 bucket b, the shorter ones first; where its VRPs of /16 and longer start; which
    /// lengths 16…32 (bit L-16) occur among them. One load for what took two cache misses as two arrays.
    /// 65,537 headers: the last one only ends the last bucket.
    struct BucketHeader: Sendable {
        var start: Int32 = 0
        var longStart: Int32 = 0
        var lengths: UInt32 = 0
    }
    private var v4Headers: [BucketHeader] = []
    /// The IPv6 VRPs sorted by (address, length, maxLength, ASN), without duplicates: swept by
    /// `countValidity`, and indexed by `v6`.
    private var v6Sorted: [V6Entry] = []
    /// IPv6 prefixes that have VRPs; a value is where the prefix's run of VRPs starts in `v6Sorted`.
    private var v6 = PrefixTrie()
    public private(set) var vrpCount = 0
    /// ASPA: customer AS → its authorised provider ASes (draft-ietf-sidrops-aspa-profile).
    public private(set) var aspas: [ASN: Set<ASN>] = [:]
    public let source: String

    public init(source: String = "", vrps: [VRP] = [], aspas: [ASN: Set<ASN>] = [:]) {
        self.source = source
        self.aspas = aspas
        // Duplicates (the same ROA from two trust anchors) are dropped after sorting, where they are neighbours
        // (a hash set of 600,000 VRPs was a fifth of the load time: one cache miss per VRP).
        var v4: [V4Entry] = []
        v4.reserveCapacity(vrps.count)
        var v6List: [V6Entry] = []
        for v in vrps {
            switch v.prefix {
            case .v4(let p): v4.append(V4Entry(address: p.address.value, length: p.length, maxLength: v.maxLength, asn: v.asn))
            case .v6(let p): v6List.append(V6Entry(p, maxLength: v.maxLength, asn: v.asn))
            }
        }
        let v4Count = buildV4Buckets(v4)
        buildV6Index(v6List)
        vrpCount = v4Count + v6Sorted.count
    }

    /// Sorts the IPv6 VRPs into `v6Sorted`, drops duplicates, and indexes each prefix's run in the trie.
    private mutating func buildV6Index(_ list: [V6Entry]) {
        let sorted = list.sorted { ($0.high, $0.low, $0.length, $0.maxLength, $0.asn) < ($1.high, $1.low, $1.length, $1.maxLength, $1.asn) }
        v6Sorted.reserveCapacity(sorted.count)
        for e in sorted {
            if let last = v6Sorted.last, last.samePrefix(as: e) {
                if last.maxLength == e.maxLength && last.asn == e.asn { continue }  // a duplicate
            } else {
                // The first VRP of a prefix starts its run.
                v6.insert(PrefixTrie.Key(high: e.high, low: e.low, length: e.length), value: Int32(v6Sorted.count))
            }
            v6Sorted.append(e)
        }
    }

    /// Counting sort of the IPv4 VRPs into their /16 buckets (short VRPs repeated in each bucket they cover).
    /// The input is first sorted by (long, address, length) and the counting sort is stable, so each bucket
    /// holds its short VRPs (< /16) first, then its own VRPs sorted by address and length; a per-bucket mask
    /// says which lengths 16…32 occur, so a lookup probes only those (binary search) instead of scanning.
    /// Duplicate VRPs are dropped on the way (a hash set of 600,000 entries was a fifth of the load time:
    /// one cache miss per VRP); returns how many distinct ones are left.
    private mutating func buildV4Buckets(_ unsorted: [V4Entry]) -> Int {
        func span(_ e: V4Entry) -> Range<Int> {
            let first = Int(e.address >> 16)
            return first..<min(first + (e.length >= 16 ? 1 : 1 << (16 - Int(e.length))), 1 << 16)
        }
        // Sort keys: long flag, address, length, then the index (entries < 2^24).
        var keys = [UInt64](repeating: 0, count: unsorted.count)
        for (i, e) in unsorted.enumerated() {
            keys[i] = (e.length >= 16 ? 1 << 63 : 0) | UInt64(e.address) << 30 | UInt64(e.length) << 24 | UInt64(i & 0xFF_FFFF)
        }
        var sorted: [V4Entry]
        if unsorted.count < 1 << 24 {
            // The standard sort finds the runs of a file written in prefix order (rpki-client's and Routinator's
            // are) and merges them in linear time; a radix sort was no faster there.
            keys.sort()
            sorted = keys.map { unsorted[Int($0 & 0xFF_FFFF)] }
        } else {
            sorted = unsorted.sorted { ($0.length >= 16 ? 1 : 0, $0.address, $0.length) < ($1.length >= 16 ? 1 : 0, $1.address, $1.length) }
        }
        // Within a run of one prefix, order by (maxLength, ASN): duplicates become neighbours.
        var entries: [V4Entry] = []
        entries.reserveCapacity(sorted.count)
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count, sorted[j].address == sorted[i].address, sorted[j].length == sorted[i].length { j += 1 }
            if j - i > 1 { sorted[i..<j].sort { ($0.maxLength, $0.asn) < ($1.maxLength, $1.asn) } }
            for k in i..<j where k == i || sorted[k].maxLength != sorted[k - 1].maxLength || sorted[k].asn != sorted[k - 1].asn {
                entries.append(sorted[k])
            }
            i = j
        }
        var counts = [Int32](repeating: 0, count: (1 << 16) + 1)
        var shortCounts = [Int32](repeating: 0, count: 1 << 16)
        v4Headers = [BucketHeader](repeating: BucketHeader(), count: (1 << 16) + 1)
        for e in entries {
            for b in span(e) {
                counts[b + 1] += 1
                if e.length < 16 { shortCounts[b] += 1 } else { v4Headers[b].lengths |= 1 << UInt32(e.length - 16) }
            }
        }
        for b in 0..<(1 << 16) { counts[b + 1] += counts[b] }
        for b in 0..<(1 << 16) {
            v4Headers[b].start = counts[b]
            v4Headers[b].longStart = counts[b] + shortCounts[b]
        }
        v4Headers[1 << 16].start = counts[1 << 16]
        v4Headers[1 << 16].longStart = counts[1 << 16]
        var cursor = counts
        v4Entries = [V4Entry](repeating: V4Entry(address: 0, length: 0, maxLength: 0, asn: 0), count: Int(counts[1 << 16]))
        for e in entries {
            for b in span(e) {
                v4Entries[Int(cursor[b])] = e
                cursor[b] += 1
            }
        }
        return entries.count
    }

    /// Buckets with at most this many VRPs of /16 and longer are scanned rather than binary-searched.
    static let linearScanLimit = 48

    @inline(__always)
    static func mask(_ length: UInt8) -> UInt32 { length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length)) }

    /// RFC 6811 §2: Valid when a covering VRP matches the origin and the length; Invalid when VRPs cover the
    /// prefix but none matches (an AS_SET origin — `nil` — never matches, AS0 authorises nobody); NotFound
    /// when none covers it.
    @inline(__always)
    public func validate(_ prefix: IPPrefix, origin: ASN?) -> ROVState {
        switch prefix {
        case .v4(let p):
            let (header, end) = bucket(of: p)
            return validate(p, origin: origin, header: header, end: end)
        case .v6:
            var covered = false
            var valid = false
            let length = prefix.length
            // A closure literal at the call is non-escaping: its captures stay on the stack.
            v6.forEachCovering(PrefixTrie.Key(prefix)) { start in
                covered = true
                guard !valid, let origin else { return }
                forEachV6(inRunAt: start) { v in
                    if v.asn == origin && v.asn != 0 && length <= v.maxLength { valid = true }
                }
            }
            return valid ? .valid : (covered ? .invalid : .notFound)
        }
    }

    /// A prefix and the origin it was announced with, waiting to be validated.
    public struct ValidationQuery: Sendable {
        public var prefix: IPPrefix
        public var origin: ASN?

        public init(prefix: IPPrefix, origin: ASN?) {
            self.prefix = prefix
            self.origin = origin
        }
    }

    /// RFC 6811 outcomes of many prefixes, counted (what the engine does for every announced prefix). The IPv4
    /// prefixes are first put in address order (a counting sort by /16 bucket), so that the buckets are
    /// visited front to back and the hardware prefetches the next headers and entries, instead of each prefix
    /// waiting for a cache miss or two somewhere in 8 MB; with the engine's batches of 262,144 prefixes, about
    /// four per bucket, the walk is nearly sequential. The IPv6 ones are swept (`sweepIPv6`).
    public func countValidity(_ queries: UnsafeBufferPointer<ValidationQuery>) -> (valid: Int, invalid: Int, notFound: Int) {
        var tally = (valid: 0, invalid: 0, notFound: 0)
        func count(_ state: ROVState) {
            switch state {
            case .valid: tally.valid += 1
            case .invalid: tally.invalid += 1
            case .notFound: tally.notFound += 1
            }
        }
        var v4Count = 0
        var bins = [Int32](repeating: 0, count: Self.bucketCount + 1)  // a counting sort by bucket
        for q in queries {
            if case .v4(let p) = q.prefix {
                bins[Self.bucketIndex(p) + 1] += 1
                v4Count += 1
            }
        }
        if v4Count < queries.count {
            withUnsafeTemporaryAllocation(of: V6Entry.self, capacity: queries.count - v4Count) { v6Queries in
                var n = 0
                for q in queries {
                    guard case .v6(let p) = q.prefix else { continue }
                    v6Queries.initializeElement(at: n, to: V6Entry(p, maxLength: 0, asn: q.origin))
                    n += 1
                }
                sweepIPv6(v6Queries, count)
                _ = v6Queries.deinitialize()
            }
        }
        guard v4Count > 0 else { return tally }
        for b in 0..<Self.bucketCount { bins[b + 1] += bins[b] }
        withUnsafeTemporaryAllocation(of: SortedQuery.self, capacity: v4Count) { sorted in
            for q in queries {
                guard case .v4(let p) = q.prefix else { continue }
                let b = Self.bucketIndex(p)
                sorted.initializeElement(at: Int(bins[b]), to: SortedQuery(p, origin: q.origin))
                bins[b] += 1
            }
            for q in sorted {
                let (header, end) = bucket(of: q.prefix)
                count(validate(q.prefix, origin: q.origin, header: header, end: end))
            }
            _ = sorted.deinitialize()
        }
        return tally
    }

    /// RFC 6811 outcomes of IPv6 queries (reordered here) in one sweep over the sorted IPv6 VRPs, where
    /// looking each up in the trie waited for a cache miss per level. With the queries in address order too,
    /// a stack holds the VRPs that contain the current address — nested prefixes, since prefixes are nested
    /// or disjoint and VRPs come shortest first at equal addresses — and the ones of them no longer than the
    /// query's length are exactly the VRPs covering it.
    private func sweepIPv6(_ unsorted: UnsafeMutableBufferPointer<V6Entry>, _ count: (ROVState) -> Void) {
        let queries = unsorted
        Self.sortByAddress(queries)
        var stack: [Int] = []
        stack.reserveCapacity(32)
        var next = 0
        v6Sorted.withUnsafeBufferPointer { vrps in
            for q in queries {
                while next < vrps.count, (vrps[next].high, vrps[next].low) <= (q.high, q.low) {
                    // VRPs that do not contain the next one's start ended before it (and before every query
                    // from here on).
                    let start = vrps[next]
                    while let top = stack.last, !vrps[top].contains(start.high, start.low) { stack.removeLast() }
                    stack.append(next)
                    next += 1
                }
                while let top = stack.last, !vrps[top].contains(q.high, q.low) { stack.removeLast() }
                var state = ROVState.notFound
                for i in stack where vrps[i].length <= q.length {
                    state = .invalid
                    let e = vrps[i]
                    if q.hasOrigin, e.asn == q.asn, e.asn != 0, q.length <= e.maxLength {
                        state = .valid
                        break
                    }
                }
                count(state)
            }
        }
    }

    /// Puts IPv6 queries in address order for `sweepIPv6` (the order among equal addresses does not matter to
    /// it): a least-significant-digit radix sort of (high half, position) pairs, 11 bits a pass — a pass whose
    /// digit is the same for every query is skipped, as the top bits of a table's addresses mostly are — the
    /// queries gathered in that order, then each run sharing its high half (prefixes longer than /64 in one /64)
    /// ordered by its low half. A comparison sort of the 32-byte entries was most of the IPv6 counting's time.
    static func sortByAddress(_ queries: UnsafeMutableBufferPointer<V6Entry>) {
        let n = queries.count
        guard n > 1 else { return }
        guard n <= Int(UInt32.max) else {
            var all = queries
            return all.sort(by: <)
        }
        withUnsafeTemporaryAllocation(of: PositionedKey.self, capacity: n) { pairs in
            for i in 0..<n { pairs.initializeElement(at: i, to: PositionedKey(key: queries[i].high, position: UInt32(i))) }
            RadixSort.sort(pairs) { $0.key }
            withUnsafeTemporaryAllocation(of: V6Entry.self, capacity: n) { ordered in
                for i in 0..<n { ordered.initializeElement(at: i, to: queries[Int(pairs[i].position)]) }
                for i in 0..<n { queries[i] = ordered[i] }
            }
        }
        var runStart = 0
        while runStart < n {
            var runEnd = runStart + 1
            while runEnd < n, queries[runEnd].high == queries[runStart].high { runEnd += 1 }
            if runEnd - runStart > 1 {
                var run = UnsafeMutableBufferPointer(rebasing: queries[runStart..<runEnd])
                run.sort { $0.low < $1.low }
            }
            runStart = runEnd
        }
    }

    /// A sort key and where its element was.
    struct PositionedKey: BitwiseCopyable {
        var key: UInt64
        var position: UInt32
    }

    /// IPv4 buckets: one per /16.
    private static let bucketCount = 1 << 16

    @inline(__always)
    private static func bucketIndex(_ p: IPv4Prefix) -> Int { Int(p.address.value >> 16) }

    /// An IPv4 query as `countValidity` sorts it (half the size of a `ValidationQuery`).
    private struct SortedQuery {
        var prefix: IPv4Prefix
        var origin: ASN?

        init(_ prefix: IPv4Prefix, origin: ASN?) {
            self.prefix = prefix
            self.origin = origin
        }
    }

    @inline(__always)
    private func validate(_ p: IPv4Prefix, origin: ASN?, header: BucketHeader, end: Int) -> ROVState {
        var state = ROVState.notFound
        forEachCovering(p, header: header, end: end) { e in
            state = .invalid
            guard let origin, e.asn == origin, e.asn != 0, p.length <= e.maxLength else { return true }
            state = .valid
            return false
        }
        return state
    }

    /// The header of `p`'s /16 bucket and where the bucket's entries end.
    @inline(__always)
    private func bucket(of p: IPv4Prefix) -> (BucketHeader, Int) {
        let b = Self.bucketIndex(p)
        return (v4Headers[b], Int(v4Headers[b + 1].start))
    }

    /// Calls `body` with each IPv4 VRP covering `p` (from its /16 bucket) until it returns false.
    @inline(__always)
    private func forEachCovering(_ p: IPv4Prefix, _ body: (V4Entry) -> Bool) {
        let (header, end) = bucket(of: p)
        forEachCovering(p, header: header, end: end, body)
    }

    /// The same, with the bucket's header and end already read.
    @inline(__always)
    private func forEachCovering(_ p: IPv4Prefix, header: BucketHeader, end: Int, _ body: (V4Entry) -> Bool) {
        let address = p.address.value
        let longStart = Int(header.longStart)
        let start = Int(header.start)
        for i in start..<longStart {
            let e = v4Entries[i]
            guard e.length <= p.length, address & RPKIData.mask(e.length) == e.address else { continue }
            guard body(e) else { return }
        }
        guard p.length >= 16 else { return }
        if end - longStart <= Self.linearScanLimit {
            // A small bucket: one forward pass over its entries (sorted by address, and a covering VRP's address
            // is `p`'s masked, so never above `p`'s) instead of a binary search per length.
            var i = longStart
            while i < end {
                let e = v4Entries[i]
                guard e.address <= address else { return }
                if e.length <= p.length, address & RPKIData.mask(e.length) == e.address {
                    guard body(e) else { return }
                }
                i += 1
            }
            return
        }
        var lengths = header.lengths & (UInt32(1) << UInt32(p.length - 15) &- 1)
        while lengths != 0 {
            let length = UInt8(16 + lengths.trailingZeroBitCount)
            lengths &= lengths &- 1
            let key = address & RPKIData.mask(length)
            var lo = longStart, hi = end
            while lo < hi {
                let mid = (lo + hi) >> 1
                let e = v4Entries[mid]
                if e.address < key || (e.address == key && e.length < length) { lo = mid + 1 } else { hi = mid }
            }
            while lo < end, v4Entries[lo].address == key, v4Entries[lo].length == length {
                guard body(v4Entries[lo]) else { return }
                lo += 1
            }
        }
    }

    /// Calls `body` with each VRP of the IPv6 prefix whose run starts at `start` in `v6Sorted`.
    @inline(__always)
    private func forEachV6(inRunAt start: Int32, _ body: (V6Entry) -> Void) {
        let first = v6Sorted[Int(start)]
        var i = Int(start)
        while i < v6Sorted.count, v6Sorted[i].samePrefix(as: first) {
            body(v6Sorted[i])
            i += 1
        }
    }

    /// The VRPs covering `prefix`, for alert text.
    public func covering(_ prefix: IPPrefix) -> [VRP] {
        var out: [VRP] = []
        switch prefix {
        case .v4(let p):
            forEachCovering(p) { e in
                if let vp = IPv4Prefix(address: IPv4Address(e.address), length: e.length) {
                    out.append(VRP(prefix: .v4(vp), maxLength: e.maxLength, asn: e.asn))
                }
                return true
            }
        case .v6:
            v6.forEachCovering(PrefixTrie.Key(prefix)) { start in
                forEachV6(inRunAt: start) { v in
                    if let p = v.prefix { out.append(VRP(prefix: p, maxLength: v.maxLength, asn: v.asn)) }
                }
            }
        }
        return out.sorted { ($0.prefix, $0.asn, $0.maxLength) < ($1.prefix, $1.asn, $1.maxLength) }
    }
}
