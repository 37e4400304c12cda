import BGPWire

/// The test in front of the detection engine: counts an UPDATE's routes, queues its announced prefixes for
/// RFC 6811 counting, and says whether the engine must look at the UPDATE at all — only when one of its routes
/// is watched (as `Registry.watchesWithdrawal` / `watchesAnnouncement` answer, the tests the engine acts on;
/// the triage asks the registry's index directly, and `UpdateTriageTests` holds it to their answers). The engine
/// holds one (`DetectionEngine.process`); replay's `FeedPipeline` runs one on the capture side, so that in a
/// full table almost no UPDATE is copied to the engine's thread: the ones that are go with `countedUpstream`,
/// and the pipeline's counts reach the engine through `absorbUpstreamCounts` at the end.
struct UpdateTriage {
    /// RFC 6811 counting of every announced prefix.
    let validation: OriginValidationCounter
    /// UPDATEs and routes seen (`updates`, `announced`, `withdrawn`); the RFC 6811 outcomes come from `settle()`.
    private(set) var counts = DetectionStatistics()

    /// The registry's index and monitored ASNs (constants: a reload builds a new triage, `replacingRegistry`),
    /// copied: read for every route, while other threads retain and release the registry object (its reference
    /// count shares a cache line with its fields).
    private let index: PrefixIndex
    private let monitored: MonitoredASNs

    init(registry: Registry, validation: OriginValidationCounter) {
        self.validation = validation
        index = registry.index
        monitored = registry.monitored
    }

    /// The same counts and validation queue, judging by `new` from now on (a reload).
    func replacingRegistry(_ new: Registry) -> UpdateTriage {
        var triage = UpdateTriage(registry: new, validation: validation)
        triage.counts = counts
        return triage
    }

    /// Counts `view` and tells which of its routes are watched. One pass over the routes, all of them: the
    /// counts and the validation queue must see every route even after the answer is known.
    mutating func verdict(_ view: UpdateView) -> TriageVerdict {
        counts.updates += 1
        var verdict = TriageVerdict()
        if view.mpReach == nil, view.mpUnreach == nil, !validation.isValidating {
            // Most of a table: IPv4 routes in the classic fields only, read once each. (The branch below reads
            // these too, but with it alone the triage took 14 % more instructions.)
            let addPath = view.context.addPath.containsIPv4Unicast
            counts.withdrawn += Self.recordIPv4(view, view.withdrawnRange, addPath: addPath, index: index,
                                                allWatched: false, into: &verdict)
            verdict.beginAnnouncements()
            let monitoredOrigin = monitored.contains(view.effectiveOriginASN)
            counts.announced += Self.recordIPv4(view, view.nlriRange, addPath: addPath, index: index,
                                                allWatched: monitoredOrigin, into: &verdict)
            return verdict
        }
        if !validation.isValidating, view.mpReach?.family ?? .ipv6Unicast == .ipv6Unicast,
            view.mpUnreach?.family ?? .ipv6Unicast == .ipv6Unicast {
            // A table's IPv6 UPDATEs: IPv6 unicast in MP_REACH / MP_UNREACH (and perhaps IPv4 in the classic fields).
            let context = view.context
            let addPath4 = context.addPath.containsIPv4Unicast, addPath6 = context.addPath.containsIPv6Unicast
            counts.withdrawn += Self.recordIPv4(view, view.withdrawnRange, addPath: addPath4, index: index,
                                                allWatched: false, into: &verdict)
            if let u = view.mpUnreach {
                counts.withdrawn += Self.recordIPv6(view, u.nlriRange, addPath: addPath6, index: index,
                                                    allWatched: false, into: &verdict)
            }
            verdict.beginAnnouncements()
            let monitoredOrigin = monitored.contains(view.effectiveOriginASN)
            counts.announced += Self.recordIPv4(view, view.nlriRange, addPath: addPath4, index: index,
                                                allWatched: monitoredOrigin, into: &verdict)
            if let r = view.mpReach {
                counts.announced += Self.recordIPv6(view, r.nlriRange, addPath: addPath6, index: index,
                                                    allWatched: monitoredOrigin, into: &verdict)
            }
            return verdict
        }
        for section in [UpdateView.RouteSection.withdrawn, .mpUnreach] {
            counts.withdrawn += Self.record(view, section, index: index, allWatched: false, into: &verdict)
        }
        verdict.beginAnnouncements()
        let origin = view.effectiveOriginASN
        let monitoredOrigin = monitored.contains(origin)
        let validation = validation.isValidating && !view.isTreatAsWithdraw ? validation : nil
        for section in [UpdateView.RouteSection.nlri, .mpReach] {
            if let validation {
                // Every announced prefix goes to RFC 6811 counting: each is read whole.
                Self.forEachRoute(view, section) { prefix in
                    counts.announced += 1
                    if let prefix { validation.add(RPKIData.ValidationQuery(prefix: prefix, origin: origin)) }
                    verdict.record { prefix.map { monitoredOrigin || index.relates($0) } ?? false }
                }
            } else {
                counts.announced += Self.record(view, section, index: index, allWatched: monitoredOrigin, into: &verdict)
            }
        }
        return verdict
    }

    /// Records each route of `section` in `verdict` — watched when `allWatched`, or when it is plain and its
    /// prefix relates to the registry — and returns how many there were (plain prefixes: `recordEach`).
    @inline(__always)
    private static func record(_ view: UpdateView, _ section: UpdateView.RouteSection, index: PrefixIndex, allWatched: Bool,
                               into verdict: inout TriageVerdict) -> Int {
        if var prefixes = view.prefixes(section) {
            return recordEach(&prefixes, ipv4: prefixes.isIPv4, index: index, allWatched: allWatched, base: nil,
                              into: &verdict)
        }
        var n = 0
        var routes = view.routes(section)
        while let route = routes.next() {
            n += 1
            verdict.record(route.routeDistinguisher == nil && (allWatched || index.relates(route.prefix)))
        }
        return n
    }

    /// `record` for a classic IPv4 field (withdrawn routes or NLRI) at `range` of the message.
    @inline(__always)
    private static func recordIPv4(_ view: UpdateView, _ range: Range<Int>, addPath: Bool, index: PrefixIndex,
                                   allWatched: Bool, into verdict: inout TriageVerdict) -> Int {
        if !allWatched, !view.hasErrors {
            return recordIPv4Candidates(view.bytes, range, addPath: addPath, index: index, into: &verdict)
        }
        var prefixes = PrefixReader(UnsafeRawBufferPointer(rebasing: view.bytes[range]), isIPv4: true, addPath: addPath)
        return recordEach(&prefixes, ipv4: true, index: index, allWatched: allWatched, base: range.lowerBound,
                          into: &verdict)
    }

    /// `record` for a field of IPv6 unicast prefixes at `range` of the message.
    @inline(__always)
    private static func recordIPv6(_ view: UpdateView, _ range: Range<Int>, addPath: Bool, index: PrefixIndex,
                                   allWatched: Bool, into verdict: inout TriageVerdict) -> Int {
        var prefixes = PrefixReader(UnsafeRawBufferPointer(rebasing: view.bytes[range]), isIPv4: false,
                                    addPath: addPath)
        return recordEach(&prefixes, ipv4: false, index: index, allWatched: allWatched, base: range.lowerBound,
                          into: &verdict)
    }

    /// Records each prefix `prefixes` reads — watched when `allWatched`, or when it relates to the registry (an
    /// IPv4 one of /16 or longer read whole only when its /16 may relate, an IPv6 one of /20 or longer only when
    /// its /26 may: most of a full table's do not) — and returns how many there were. `ipv4` is the reader's
    /// family, given where it is known; `base`, where the reader's bytes start in the message, when known.
    @inline(__always)
    private static func recordEach(_ prefixes: inout PrefixReader, ipv4: Bool, index: PrefixIndex, allWatched: Bool,
                                   base: Int?, into verdict: inout TriageVerdict) -> Int {
        var n = 0
        while let entry = prefixes.nextEntry() {
            n += 1
            guard verdict.wantsNext else { verdict.record(false); continue }
            if allWatched {
                verdict.record(true)
            } else if ipv4, entry.bits >= 16, !index.mayRelate(ipv4Slash16: prefixes.ipv4Slash16(entry)) {
                verdict.record(false)
            } else if !ipv4, entry.bits >= 20,
                !index.mayRelate(ipv6Top: prefixes.ipv6Top32(entry), length: entry.bits) {
                verdict.record(false)  // the filter's /20 and /26 levels, without building the 128-bit prefix
            } else {
                verdict.record(prefixes.prefix(entry), index: index, lengthAt: base.map { $0 + entry.lengthOffset })
            }
        }
        return n
    }

    /// `recordIPv4` of a field the view found well-formed (whole prefixes of at most 32 bits, exactly filling it),
    /// walked over the bytes: a prefix whose /16 no registered prefix touches is only counted, and a run of them
    /// is recorded at once; the others are read whole and judged.
    @inline(__always)
    private static func recordIPv4Candidates(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, addPath: Bool,
                                             index: PrefixIndex, into verdict: inout TriageVerdict) -> Int {
        var at = range.lowerBound
        let end = range.upperBound
        let pathID = addPath ? 4 : 0
        var n = 0, recorded = 0
        // Offsets within one message (below 2^17): wrapping arithmetic, without overflow checks.
        while at < end {
            let first = at &+ pathID &+ 1
            let bits = Int(bytes[first &- 1])
            at = first &+ (bits &+ 7) >> 3
            n &+= 1
            if bits >= 16, !index.mayRelate(ipv4Slash16: Int(bytes[first]) << 8 | Int(bytes[first &+ 1])) { continue }
            var address: UInt32 = 0
            if end - first >= 4 {
                address = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: first, as: UInt32.self))
            } else {
                for i in 0..<(bits + 7) >> 3 { address |= UInt32(bytes[first + i]) << (24 - 8 * UInt32(i)) }
            }
            // Past the /16, the filter's /22 level, which answers the registry's own question up to /22: most
            // prefixes that get this far stop here, stepped over with the unwatched run (5 of 6 in a table).
            if bits >= 16, !index.mayRelate(ipv4Top: address, length: bits) { continue }
            verdict.recordUnwatched(n - 1 - recorded)
            recorded = n
            guard verdict.wantsNext else { verdict.record(false); continue }
            // The bytes past the prefix's own (the next entry's) are cleared by its mask.
            let prefix = IPv4Prefix(address: IPv4Address(address), length: UInt8(bits)).map(IPPrefix.v4)
            verdict.record(prefix, index: index, lengthAt: first &- 1)
        }
        verdict.recordUnwatched(n - recorded)
        return n
    }

    /// Calls `body` for each route of `section` with its prefix, or `nil` for a route with a route distinguisher
    /// (which the engine and RFC 6811 leave alone). Plain NLRI are read without building routes (`PrefixReader`).
    @inline(__always)
    static func forEachRoute(_ view: UpdateView, _ section: UpdateView.RouteSection, _ body: (IPPrefix?) -> Void) {
        if var prefixes = view.prefixes(section) {
            while let prefix = prefixes.next() { body(prefix) }
        } else {
            var routes = view.routes(section)
            while let route = routes.next() { body(route.routeDistinguisher == nil ? route.prefix : nil) }
        }
    }

    /// Everything counted, RFC 6811 outcomes included (waits for the validation queue).
    func settle() -> DetectionStatistics {
        var c = counts
        let rov = validation.settle()
        c.rovValid = rov.valid
        c.rovInvalid = rov.invalid
        c.rovNotFound = rov.notFound
        return c
    }
}

/// What `UpdateTriage` found in one UPDATE: whether the engine must look at it, and which of its first 64 routes
/// are watched, numbered in the order the engine walks them (withdrawn routes, MP_UNREACH, NLRI, MP_REACH), so
/// that the engine does not ask the registry again (`DetectionEngine.process`).
struct TriageVerdict: Sendable {
    /// A route of the UPDATE is watched.
    private(set) var concernsEngine = false
    /// Bit i: route i is watched (i < 64).
    private(set) var watchedRoutes: UInt64 = 0
    /// Routes recorded so far.
    private var count = 0

    /// Whether the next route's answer matters: it is among the first 64, or no route was found watched yet.
    @inline(__always)
    var wantsNext: Bool { count < 64 || !concernsEngine }

    /// Records the next route; `isWatched` is asked only when `wantsNext`.
    @inline(__always)
    mutating func record(_ isWatched: () -> Bool) {
        record(wantsNext && isWatched())
    }

    /// Records the next `n` routes as not watched.
    @inline(__always)
    mutating func recordUnwatched(_ n: Int) { count += n }

    /// Records the next route as watched or not.
    @inline(__always)
    mutating func record(_ watched: Bool) {
        if watched {
            if count < 64 { watchedRoutes |= 1 << UInt64(count) }
            concernsEngine = true
        }
        count += 1
    }

    /// Records the next route, a plain one for `prefix` (`nil`: none to judge) whose length octet is at offset
    /// `lengthAt` of the message (`nil`: not known), as `index` relates it to the registry; a watched one with
    /// the registered prefix covering it, which the walk just read (`covering`), and where it is (`hintedRoute`).
    @inline(__always)
    mutating func record(_ prefix: IPPrefix?, index: PrefixIndex, lengthAt offset: Int?) {
        guard let prefix, index.relates(prefix) else { return record(false) }
        if count < 64, hints < Self.maximumHints {
            hintRoutes[hints] = Int32(count)
            hintCovering[hints] = index.longestMatch(prefix) ?? -1
            if let offset { hintOffsets[hints] = Int32(truncatingIfNeeded: offset) } else { hintsLocated = false }
            if !prefix.isIPv4 { hintIPv6 |= 1 << UInt8(hints) }
            hints += 1
        }
        record(true)
    }

    /// The routes recorded so far are the UPDATE's withdrawn ones (withdrawn routes and MP_UNREACH); the next
    /// are announced.
    @inline(__always)
    mutating func beginAnnouncements() { withdrawnRoutes = count }

    /// Whether route `index` (in walk order) is watched; `nil` past the 64th route (ask the registry).
    @inline(__always)
    func isWatched(_ index: Int) -> Bool? {
        index < 64 ? (watchedRoutes >> UInt64(index)) & 1 == 1 : nil
    }

    /// How many routes from `index` on (in walk order, below 64) are known not to be watched, one after another.
    @inline(__always)
    func unwatchedRun(from index: Int) -> Int {
        index < 64 ? min((watchedRoutes >> UInt64(index)).trailingZeroBitCount, 64 - index) : 0
    }

    /// True when no route from `index` on (in walk order) is watched: the UPDATE had at most 64 routes, all
    /// recorded, and none of them at or past `index` was watched.
    @inline(__always)
    func noneWatched(from index: Int) -> Bool {
        count <= 64 && watchedRoutes >> UInt64(min(index, 64)) == 0
    }

    /// For up to four watched routes, in walk order: the route's number, and the registered prefix covering it
    /// (an index into the registry's list, or -1 for none) as the triage found it, so that the engine does not
    /// walk the trie again for it (the walks' cache misses were a fifth of the engine thread).
    private var hintRoutes = SIMD4<Int32>(repeating: -1)
    private var hintCovering = SIMD4<Int32>(repeating: -1)
    /// Where each hinted route's length octet is in the message, and which of them are IPv6 (bit i: hint i);
    /// `hintsLocated` false once a hint came without its place.
    private var hintOffsets = SIMD4<Int32>(repeating: -1)
    private var hintIPv6: UInt8 = 0
    private var hintsLocated = true
    private var hints = 0
    private static let maximumHints = 4
    /// Routes recorded before the first announced one (`beginAnnouncements`).
    private var withdrawnRoutes = 0

    /// How many watched routes the hints name, when they name every watched route of the UPDATE and every route
    /// was recorded (at most 64), so that the engine can act on the hinted routes without reading the UPDATE's
    /// routes again (`hintedRoute(_:)`); `nil` otherwise (the engine walks the routes).
    var hintedRoutes: Int? {
        count <= 64 && hints > 0 && hintsLocated && watchedRoutes.nonzeroBitCount == hints ? hints : nil
    }

    /// Hinted route `i` (below `hints`, in walk order): whether it is withdrawn (else announced), where its plain
    /// prefix's length octet is in the message (`UpdateView.plainPrefix(lengthAt:isIPv4:)`) and its family, its
    /// number in walk order, and the registered prefix covering it (an index into the registry's list; `nil`:
    /// none).
    @inline(__always)
    func hintedRoute(_ i: Int) -> (withdrawn: Bool, lengthOffset: Int, isIPv4: Bool, number: Int, covering: Int32?) {
        let number = Int(hintRoutes[i])
        return (number < withdrawnRoutes, Int(hintOffsets[i]), hintIPv6 & (1 << UInt8(i)) == 0, number,
                hintCovering[i] >= 0 ? hintCovering[i] : nil)
    }

    /// The registered prefix covering watched route `index` (its index in the registry's list; `.some(nil)` for
    /// none) when the triage found it, else `nil` (ask the registry).
    @inline(__always)
    func covering(ofRoute index: Int) -> Int32?? {
        for i in 0..<hints where hintRoutes[i] == Int32(index) {
            return hintCovering[i] >= 0 ? .some(hintCovering[i]) : .some(nil)
        }
        return nil
    }
}
