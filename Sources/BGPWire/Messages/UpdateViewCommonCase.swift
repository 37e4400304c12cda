/// The reading of a common UPDATE (RFC 4271 §4.3) in one pass with plain integer offsets: well-formed, IPv4
/// unicast routes in the classic fields and IPv6 unicast ones in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), and
/// only the attributes a table is mostly sent with — ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF,
/// ATOMIC_AGGREGATE, COMMUNITIES (RFC 1997), EXTENDED COMMUNITIES (RFC 4360) and LARGE_COMMUNITY (RFC 8092).
///
/// It accepts exactly the messages the careful reading (`init(carefully:context:)`) finds no error in, and sets
/// the same fields; anything else — any error, another attribute or address family, an announcement without a
/// mandatory attribute — stops it, and `parse()` reads the message again carefully, which records what is wrong
/// (RFC 7606) where it is. `UpdateView` tests and the `bgp-message` fuzz target hold the two readings to each
/// other. On the benchmark table it reads every UPDATE, with about a third of the careful reading's
/// instructions.
extension UpdateView {
    /// Reads the message if it is a common one; `false` (fields partly set) when the careful reading must.
    @inline(__always)
    mutating func readCommonCase() -> Bool {
        let bytes = messageBytes
        let end = bytes.count
        let header = MessageHeader.length
        guard end <= MessageSpan.maximumMessageLength, end >= header + 4 else { return false }
        let withdrawnStart = header + 2
        let withdrawnEnd = withdrawnStart + Self.uint16(bytes, header)
        guard withdrawnEnd + 2 <= end else { return false }
        let attributesStart = withdrawnEnd + 2
        let attributesEnd = attributesStart + Self.uint16(bytes, withdrawnEnd)
        guard attributesEnd <= end else { return false }
        let addPath = context.addPath.containsIPv4Unicast
        let withdrawn = Self.countPrefixes(bytes, from: withdrawnStart, to: withdrawnEnd, maximumBits: 32,
                                           addPath: addPath)
        let announced = Self.countPrefixes(bytes, from: attributesEnd, to: end, maximumBits: 32, addPath: addPath)
        guard withdrawn >= 0, announced >= 0,
            readCommonAttributes(bytes, from: attributesStart, to: attributesEnd, fourOctetAS: context.fourOctetAS)
        else { return false }
        // Announced routes need ORIGIN and AS_PATH, and NEXT_HOP for the classic NLRI (RFC 4271 §6.3, RFC 4760
        // §3): without one, read carefully.
        let announces = announced > 0 || (mpReach?.routeCount ?? 0) > 0
        guard !announces || (origin != nil && asPathSpan.optionalRange != nil), announced == 0 || nextHop != nil
        else { return false }
        withdrawnSpan = MessageSpan(withdrawnStart..<withdrawnEnd)
        nlriSpan = MessageSpan(attributesEnd..<end)
        withdrawnCount32 = Int32(truncatingIfNeeded: withdrawn)
        nlriCount32 = Int32(truncatingIfNeeded: announced)
        return true
    }

    @inline(__always)
    private static func uint16(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(bytes[at]) << 8 | Int(bytes[at &+ 1])
    }

    @inline(__always)
    private static func uint32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// The number of prefixes (RFC 4271 §4.3, RFC 4760 §5; RFC 7911 §3 with `addPath`) exactly filling
    /// `start..<end`, or -1 when one is longer than `maximumBits` or overruns the field.
    @inline(__always)
    private static func countPrefixes(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                                      maximumBits: Int, addPath: Bool) -> Int {
        var at = start
        var count = 0
        let pathID = addPath ? 4 : 0
        // Offsets and counts stay below 2^17 (a message is at most 65,535 bytes): wrapping arithmetic, without the
        // overflow checks (here and in the attribute loops below; 19 M instructions of a benchmark replay).
        while at < end {
            at &+= pathID
            guard at < end else { return -1 }
            let bits = Int(bytes[at])
            guard bits <= maximumBits else { return -1 }
            at &+= 1 &+ (bits &+ 7) >> 3
            count &+= 1
        }
        return at == end ? count : -1
    }

    /// The path attributes in `start..<end`; `false` at the first one that is malformed, repeated or not common.
    @inline(__always)
    private mutating func readCommonAttributes(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                                               fourOctetAS: Bool) -> Bool {
        var at = start
        var seen: UInt64 = 0
        peelUsualOpening(bytes, at: &at, to: end, seen: &seen, fourOctetAS: fourOctetAS)
        while at < end {
            guard end &- at >= 3 else { return false }
            let flags = bytes[at], type = bytes[at &+ 1]
            let extended = flags & 0x10 != 0
            guard !extended || end &- at >= 4 else { return false }
            let length = extended ? Self.uint16(bytes, at &+ 2) : Int(bytes[at &+ 2])
            let value = at &+ (extended ? 4 : 3)
            at = value &+ length
            guard at <= end, type < 64 else { return false }
            let bit = UInt64(1) << UInt64(type)
            guard seen & bit == 0 else { return false }
            seen |= bit
            // The Optional and Transitive bits `AttributeRules.expectedFlags` gives (RFC 7606 §3.c), checked per
            // case: asked of the rules for every attribute, they cost 7 instructions more each.
            let wellKnown = flags & 0xC0 == 0x40
            switch type {
            case PathAttributeType.origin:
                guard wellKnown, length == 1, let o = Origin(rawValue: bytes[value]) else { return false }
                origin = o
            case PathAttributeType.asPath:
                guard wellKnown, readASPath(bytes, from: value, to: at, width: fourOctetAS ? 4 : 2) else {
                    return false
                }
                asPathSpan = MessageSpan(value..<at)
            case PathAttributeType.nextHop:
                guard wellKnown, length == 4 else { return false }
                nextHop = IPv4Address(Self.uint32(bytes, value))
            case PathAttributeType.multiExitDisc:
                guard flags & 0xC0 == 0x80, length == 4 else { return false }
                med = Self.uint32(bytes, value)
            case PathAttributeType.localPref:
                guard wellKnown, length == 4 else { return false }
                localPref = Self.uint32(bytes, value)
            case PathAttributeType.atomicAggregate:
                guard wellKnown, length == 0 else { return false }
                atomicAggregate = true
            case PathAttributeType.communities:
                guard flags & 0xC0 == 0xC0, length > 0, length % 4 == 0 else { return false }
                communitiesSpan = MessageSpan(value..<at)
            case PathAttributeType.extendedCommunities:
                guard flags & 0xC0 == 0xC0, length > 0, length % 8 == 0 else { return false }
                extendedCommunitiesSpan = MessageSpan(value..<at)
            case PathAttributeType.largeCommunity:
                guard flags & 0xC0 == 0xC0, length > 0, length % 12 == 0 else { return false }
                largeCommunitiesSpan = MessageSpan(value..<at)
            case PathAttributeType.mpReachNLRI:
                guard flags & 0xC0 == 0x80, readIPv6Reach(bytes, from: value, to: at) else { return false }
            case PathAttributeType.mpUnreachNLRI:
                guard flags & 0xC0 == 0x80, readIPv6Unreach(bytes, from: value, to: at) else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// The attributes speakers open an UPDATE with, in RFC 4271 §5's order — ORIGIN, AS_PATH, NEXT_HOP, each with
    /// the plain well-known flags (0x40) and a one-byte length — read with one test of each header instead of
    /// the loop's dispatch (18 M instructions of a benchmark replay). It stops at the first that is anything
    /// else, for the loop to read from there on exactly as it would have: what it takes here the loop would have
    /// taken the same way (an AS_PATH whose segments do not fill it fails both; `UpdateView` tests hold the fast
    /// reading to the careful one).
    @inline(__always)
    private mutating func peelUsualOpening(_ bytes: UnsafeRawBufferPointer, at: inout Int, to end: Int,
                                          seen: inout UInt64, fourOctetAS: Bool) {
        guard end &- at >= 4, Self.uint32(bytes, at) & 0xFFFF_FF00 == 0x4001_0100,
            let o = Origin(rawValue: bytes[at &+ 3])
        else { return }
        origin = o
        seen = 1 << PathAttributeType.origin
        at &+= 4
        guard end &- at >= 3, bytes[at] == 0x40, bytes[at &+ 1] == PathAttributeType.asPath else { return }
        let value = at &+ 3, pathEnd = value &+ Int(bytes[at &+ 2])
        guard pathEnd <= end, readASPath(bytes, from: value, to: pathEnd, width: fourOctetAS ? 4 : 2) else { return }
        asPathSpan = MessageSpan(value..<pathEnd)
        seen |= 1 << PathAttributeType.asPath
        at = pathEnd
        guard end &- at >= 7, Self.uint32(bytes, at) & 0xFFFF_FF00 == 0x4003_0400 else { return }
        nextHop = IPv4Address(Self.uint32(bytes, at &+ 3))
        seen |= 1 << PathAttributeType.nextHop
        at &+= 7
    }

    /// MP_REACH_NLRI (RFC 4760 §3) of IPv6 unicast: AFI 2, SAFI 1, a next hop `NextHop.validate` accepts, the
    /// reserved byte, and prefixes of at most 128 bits exactly filling the rest.
    @inline(__always)
    private mutating func readIPv6Reach(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        guard end - start >= 5, Self.uint16(bytes, start) == 2, bytes[start + 2] == 1 else { return false }
        let nextHopLength = Int(bytes[start + 3])
        let nextHopEnd = start + 4 + nextHopLength
        guard nextHopEnd < end, (try? NextHop.validate(length: nextHopLength, family: .ipv6Unicast, at: 0)) != nil
        else { return false }
        let routes = Self.countPrefixes(bytes, from: nextHopEnd + 1, to: end, maximumBits: 128,
                                        addPath: context.addPath.containsIPv6Unicast)
        guard routes >= 0 else { return false }
        mpReach = MPReachView(family: .ipv6Unicast, nextHop: start + 4..<nextHopEnd, nlri: nextHopEnd + 1..<end,
                              routeCount: routes)
        return true
    }

    /// MP_UNREACH_NLRI (RFC 4760 §4) of IPv6 unicast: AFI 2, SAFI 1, and prefixes exactly filling the rest.
    @inline(__always)
    private mutating func readIPv6Unreach(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        guard end - start >= 3, Self.uint16(bytes, start) == 2, bytes[start + 2] == 1 else { return false }
        let routes = Self.countPrefixes(bytes, from: start + 3, to: end, maximumBits: 128,
                                        addPath: context.addPath.containsIPv6Unicast)
        guard routes >= 0 else { return false }
        mpUnreach = MPUnreachView(family: .ipv6Unicast, nlri: start + 3..<end, routeCount: routes)
        return true
    }

    /// AS_PATH segments (RFC 4271 §4.3: type 1–4, a non-zero count, count ASNs of `width` bytes) exactly filling
    /// `start..<end`; sets the hop count and RFC 6811 origin as `ASPath.validate` gives them.
    @inline(__always)
    private mutating func readASPath(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, width: Int)
        -> Bool
    {
        var at = start
        var hops = 0
        var originASN: ASN?
        while at < end {
            guard end &- at >= 2 else { return false }
            let kind = bytes[at], count = Int(bytes[at &+ 1])
            at &+= 2 &+ count &* width
            guard count > 0, at <= end else { return false }
            switch kind {
            case ASPathSegment.Kind.sequence.rawValue:
                hops &+= count
                originASN = width == 4 ? Self.uint32(bytes, at &- 4) : ASN(Self.uint16(bytes, at &- 2))
            case ASPathSegment.Kind.set.rawValue:
                hops &+= 1
                originASN = nil
            case ASPathSegment.Kind.confedSequence.rawValue, ASPathSegment.Kind.confedSet.rawValue:
                break
            default:
                return false
            }
        }
        asPathHops32 = Int32(truncatingIfNeeded: hops)
        asPathOrigin = originASN
        return true
    }
}
