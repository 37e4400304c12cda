import BGPWire
import Testing

private func v4(_ s: String) -> IPPrefix { IPPrefix(s)! }

private func decodeUpdate(_ bytes: [UInt8], _ context: DecodingContext = DecodingContext()) throws -> UpdateMessage {
    guard case .update(let u) = try BGPMessage(bytes: bytes, context: context) else {
        throw WireError(.badType, at: 18, "not an UPDATE")
    }
    return u
}

/// Builds an UPDATE from a hex string of path attributes and optional NLRI.
private func rawUpdate(withdrawn: String = "", attributes: String, nlri: String = "") -> [UInt8] {
    let w = hex(withdrawn), a = hex(attributes), n = hex(nlri)
    let length = 19 + 2 + w.count + 2 + a.count + n.count
    return hex(marker) + [UInt8(length >> 8), UInt8(length & 0xFF), 2, UInt8(w.count >> 8), UInt8(w.count & 0xFF)] + w
        + [UInt8(a.count >> 8), UInt8(a.count & 0xFF)] + a + n
}

@Suite("UPDATE: attributes, NLRI, RFC 7606 outcomes")
struct UpdateTests {
    static func sampleAttributes() -> PathAttributes {
        var a = PathAttributes()
        a.origin = .igp
        a.asPath = ASPath([ASPathSegment(.sequence, [64500, 4_200_000_001, 8075]), ASPathSegment(.set, [1, 2])])
        a.nextHop = IPv4Address(192, 0, 2, 1)
        a.med = 10
        a.localPref = 200
        a.atomicAggregate = true
        a.aggregator = Aggregator(asn: 8075, address: IPv4Address(10, 0, 0, 1))
        a.communities = [Community(0xFDE8_0001), .noExport]
        a.originatorID = IPv4Address(1, 1, 1, 1)
        a.clusterList = [IPv4Address(2, 2, 2, 2)]
        a.extendedCommunities = [ExtendedCommunity(0x0002_FDE8_0000_0064)]
        a.aigp = 42
        a.largeCommunities = [LargeCommunity(8075, 1, 2)]
        a.otc = 64500
        a.unknown = [RawAttribute(flags: [.optional, .transitive], type: 250, value: [9, 9])]
        a.mpReach = MPReachNLRI(family: .ipv6Unicast, nextHops: [.v6(IPv6Address("2001:db8::1")!)],
                                routes: [Route(prefix: IPPrefix("2603:1006::/40")!)])
        a.mpUnreach = MPUnreachNLRI(family: .ipv6Unicast, routes: [Route(prefix: IPPrefix("2001:db8:1::/48")!)])
        return a
    }

    @Test("every attribute round-trips", arguments: [true, false])
    func roundTrip(fourOctet: Bool) throws {
        var attributes = Self.sampleAttributes()
        if !fourOctet {
            attributes.asPath = ASPath([ASPathSegment(.sequence, [64500, 8075])])
        }
        let update = UpdateMessage(withdrawnRoutes: [Route(prefix: v4("10.0.0.0/8"))], attributes: attributes,
                                   nlri: [Route(prefix: v4("13.107.4.0/24")), Route(prefix: v4("0.0.0.0/0"))], fourOctetAS: fourOctet)
        let context = DecodingContext(fourOctetAS: fourOctet)
        let decoded = try decodeUpdate(BGPMessage.update(update).encoded(context: context), context)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        #expect(decoded == update)
        #expect(decoded.announced.map(\.description) == ["13.107.4.0/24", "0.0.0.0/0", "2603:1006::/40"])
        #expect(decoded.withdrawn.map(\.description) == ["10.0.0.0/8", "2001:db8:1::/48"])
    }

    @Test("ADD-PATH family set: the unicast bit tests answer as contains() for every subset of families")
    func addPathUnicastBits() {
        let families: [AddressFamily] = [.ipv4Unicast, .ipv4Multicast, .ipv4VPN, .ipv6Unicast, .ipv6Labeled,
                                         AddressFamily(afi: 25, safi: 70)]
        for mask in 0..<(1 << families.count) {
            let set = AddPathFamilies(families.indices.filter { mask & 1 << $0 != 0 }.map { families[$0] })
            #expect(set.containsIPv4Unicast == set.contains(.ipv4Unicast), "\(set)")
            #expect(set.containsIPv6Unicast == set.contains(.ipv6Unicast), "\(set)")
        }
    }

    @Test("ADD-PATH path identifiers, labeled and VPN NLRI round-trip")
    func addPathLabelsVPN() throws {
        var labels = LabelStack()
        labels.append(16001)
        var a = PathAttributes()
        a.origin = .igp
        a.asPath = ASPath([ASPathSegment(.sequence, [65001])])
        a.mpReach = MPReachNLRI(family: .ipv4VPN, nextHops: [.v4(IPv4Address(10, 0, 0, 1))], routes: [
            Route(prefix: v4("192.168.0.0/24"), pathID: 7, labels: labels,
                  routeDistinguisher: RouteDistinguisher(raw: 0x0000_FDE9_0000_0064)),
        ])
        let update = UpdateMessage(attributes: a, nlri: [], fourOctetAS: true)
        let context = DecodingContext(addPath: AddPathFamilies([.ipv4VPN]))
        let decoded = try decodeUpdate(BGPMessage.update(update).encoded(context: context), context)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let route = try #require(decoded.announced.first)
        #expect(route.pathID == 7)
        #expect(route.labels.labels == [16001])
        #expect(route.description == "65001:100:192.168.0.0/24")
    }

    @Test("RFC 6793 §4.2.3 AS4_PATH merge and RFC 6811 origin")
    func as4Merge() {
        let asPath = ASPath([ASPathSegment(.sequence, [64500, 23456, 23456])])
        let as4 = ASPath([ASPathSegment(.sequence, [4_200_000_001, 4_200_000_002])])
        #expect(ASPath.merge(asPath: asPath, as4Path: as4).flattened == [64500, 4_200_000_001, 4_200_000_002])
        // AS4_PATH longer than AS_PATH is ignored.
        let longer = ASPath([ASPathSegment(.sequence, [1, 2, 3, 4])])
        #expect(ASPath.merge(asPath: asPath, as4Path: longer) == asPath)
        // Origin: last AS of a final AS_SEQUENCE; none after an AS_SET.
        #expect(ASPath([ASPathSegment(.sequence, [8075, 8075, 8075])]).originASN == 8075)
        #expect(ASPath([ASPathSegment(.sequence, [64500]), ASPathSegment(.set, [1, 2])]).originASN == nil)
        #expect(ASPath([ASPathSegment(.sequence, [64500]), ASPathSegment(.confedSequence, [65001])]).originASN == 64500)
    }

    @Test("2-octet session: effective path comes from AS4_PATH")
    func as2SessionDecoding() throws {
        var a = PathAttributes()
        a.origin = .igp
        a.asPath = ASPath([ASPathSegment(.sequence, [64512, 23456])])
        a.as4Path = ASPath([ASPathSegment(.sequence, [4_200_000_123])])
        a.nextHop = IPv4Address(198, 18, 0, 1)
        let update = UpdateMessage(attributes: a, nlri: [Route(prefix: v4("203.0.113.0/24"))], fourOctetAS: false)
        let context = DecodingContext(fourOctetAS: false)
        let decoded = try decodeUpdate(BGPMessage.update(update).encoded(context: context), context)
        #expect(decoded.effectiveASPath?.flattened == [64512, 4_200_000_123])
        #expect(decoded.originASN == 4_200_000_123)
    }

    // MARK: RFC 7606 outcomes, hand-made bytes

    @Test("malformed attributes map to their RFC 7606 action", arguments: [
        // ORIGIN value 5
        ("40 01 01 05  40 02 00  40 03 04 c0000201", ErrorAction.treatAsWithdraw, WireError.Code.badOrigin),
        // OTC of 3 bytes (RFC 9234 §5)
        ("40 01 01 00  40 02 00  40 03 04 c0000201  c0 23 03 000001", .treatAsWithdraw, .badAttributeLength),
        // AGGREGATOR of 5 bytes: attribute discard
        ("40 01 01 00  40 02 00  40 03 04 c0000201  c0 07 05 0001020304", .attributeDiscard, .badAttributeLength),
        // COMMUNITIES not a multiple of 4
        ("40 01 01 00  40 02 00  40 03 04 c0000201  c0 08 03 000102", .treatAsWithdraw, .badAttributeLength),
        // missing NEXT_HOP with NLRI present
        ("40 01 01 00  40 02 00", .treatAsWithdraw, .missingMandatoryAttribute),
        // attribute length overruns the attribute field
        ("40 01 01 00  40 02 09 0201", .treatAsWithdraw, .attributeOverrun),
        // AS_PATH segment overruns its attribute
        ("40 01 01 00  40 02 04 0203 0000  40 03 04 c0000201", .treatAsWithdraw, .badASPath),
        // repeated MP_UNREACH_NLRI: session reset (RFC 7606 §3.g)
        ("40 01 01 00  40 02 00  40 03 04 c0000201  80 0f 03 000101  80 0f 03 000101", .sessionReset, .duplicateAttribute),
        // MP_REACH next hop of 5 bytes for IPv6 unicast
        ("80 0e 0a 0002 01 05 2001000000 00 20 2001", .sessionReset, .badNextHop),
        // wrong flags on ORIGIN (optional bit set): treat-as-withdraw
        ("c0 01 01 00  40 02 00  40 03 04 c0000201", .treatAsWithdraw, .badAttributeFlags),
    ])
    func rfc7606(attributes: String, action: ErrorAction, code: WireError.Code) throws {
        let u = try decodeUpdate(rawUpdate(attributes: attributes, nlri: "18 0a0000"))
        #expect(u.errors.contains { $0.action == action && $0.error.code == code }, "\(u.errors)")
        #expect(u.worstAction.map { $0 >= action } == true)
    }

    @Test("NLRI and withdrawn field errors are a session reset, not a crash", arguments: [
        ("", "21 0a000000 00"),  // /33
        ("", "18 0a00"),  // truncated prefix
        ("20 0a", ""),  // truncated withdrawn
    ])
    func nlriErrors(withdrawn: String, nlri: String) throws {
        let u = try decodeUpdate(rawUpdate(withdrawn: withdrawn, attributes: "40 01 01 00  40 02 00  40 03 04 c0000201", nlri: nlri))
        #expect(u.worstAction == .sessionReset)
    }

    @Test("withdrawn length past the message end")
    func withdrawnOverrun() throws {
        var bytes = rawUpdate(attributes: "")
        bytes[19] = 0x01  // withdrawn length 256
        let u = try decodeUpdate(bytes)
        #expect(u.errors.first?.error.code == .badLength)
        #expect(u.announced.isEmpty && u.withdrawn.isEmpty)
    }

    /// The framer never hands over more than 65,535 bytes (the header's length field), but a view over a longer
    /// buffer must not trap: its ranges are kept in 16 bits.
    @Test("a view over more than 65,535 bytes reports a bad length instead of trapping")
    func longerThanAMessage() {
        var bytes = rawUpdate(attributes: "", nlri: "18c00002")
        bytes += [UInt8](repeating: 0, count: 70_000)
        bytes.withUnsafeBytes { raw in
            let view = UpdateView(raw, context: DecodingContext())
            #expect(view.errors.first?.error.code == .badLength && view.errors.first?.action == .sessionReset)
            #expect(view.announcedCount == 0 && view.nlriRange.isEmpty && view.asPathRange == nil)
        }
        let exact = rawUpdate(attributes: "400101004002060201000000014003040a000001",
                              nlri: String(repeating: "18c00002", count: (65_535 - 58) / 4))
        #expect(exact.count <= 65_535)
        exact.withUnsafeBytes { raw in
            let view = UpdateView(raw, context: DecodingContext())
            #expect(view.errors.isEmpty, "\(view.errors)")
            #expect(view.nlriCount == (65_535 - 58) / 4 && view.nlriRange.upperBound == exact.count)
            #expect(view.asPathRange?.count == 6)
        }
    }

    @Test("unknown attributes are kept raw with their flags")
    func unknownAttribute() throws {
        let u = try decodeUpdate(rawUpdate(attributes: "40 01 01 00  40 02 00  40 03 04 c0000201  e0 fe 02 abcd", nlri: "18 0a0000"))
        #expect(u.attributes.unknown == [RawAttribute(flags: [.optional, .transitive, .partial], type: 254, value: [0xab, 0xcd])])
        #expect(u.errors.isEmpty)
    }

    @Test("opaque families are counted, not errors")
    func opaqueFlowspec() throws {
        // MP_REACH AFI 1 SAFI 133, next hop length 0, reserved, one NLRI of length 5
        let u = try decodeUpdate(rawUpdate(attributes: "40 01 01 00  40 02 00  80 0e 0b 0001 85 00 00 05 0118 0a0000"))
        #expect(u.errors.isEmpty, "\(u.errors)")
        #expect(u.attributes.mpReach?.opaqueCount == 1)
        #expect(u.announced.isEmpty)
    }

    @Test("a /0 default route is not mistaken for a path identifier")
    func defaultRoute() throws {
        let u = try decodeUpdate(rawUpdate(attributes: "40 01 01 00  40 02 00  40 03 04 c0000201", nlri: "00"))
        #expect(u.nlri.map(\.description) == ["0.0.0.0/0"])
        #expect(u.errors.isEmpty)
    }
}

@Suite("RouteReader.validate: the plain-prefix fast path agrees with reading every route")
struct RouteValidationTests {
    /// The reference: walk with `next()` (which builds every route), count, and report the first error.
    static func reference(_ bytes: [UInt8], family: AddressFamily, addPath: Bool) -> (Int, WireError?) {
        bytes.withUnsafeBytes { raw in
            var reader = RouteReader(WireReader(raw, base: 23), family: family, addPath: addPath)
            var n = 0
            while reader.next() != nil { n += 1 }
            return (n, reader.error)
        }
    }

    static func fast(_ bytes: [UInt8], family: AddressFamily, addPath: Bool) -> (Int, WireError?) {
        bytes.withUnsafeBytes { raw in
            var reader = RouteReader(WireReader(raw, base: 23), family: family, addPath: addPath)
            do throws(WireError) { return (try reader.validate(), nil) } catch { return (-1, error) }
        }
    }

    @Test("same count or same error (offset, reason) on edge cases and 20,000 random inputs",
          arguments: [(AddressFamily.ipv4Unicast, false), (.ipv4Unicast, true), (.ipv6Unicast, false), (.ipv6Unicast, true)])
    func agrees(family: AddressFamily, addPath: Bool) {
        var rng = SplitMix64(seed: family.afi == 1 ? (addPath ? 11 : 12) : (addPath ? 13 : 14))
        var inputs: [[UInt8]] = [[], [0], [32, 1, 2, 3, 4], [33, 1, 2, 3, 4, 5], [24, 10, 0], [128] + Array(repeating: 1, count: 16),
                                 [129] + Array(repeating: 1, count: 17), [0, 0, 0, 1], [0, 0, 0, 1, 8, 10], [255]]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 40)
            // Mostly plausible prefix lengths, so that inputs often parse for a few entries before an error.
            inputs.append((0..<length).map { _ in
                let r = rng.next()
                return r & 3 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : UInt8(truncatingIfNeeded: (r >> 8) % 40)
            })
        }
        for input in inputs {
            let (n, error) = Self.reference(input, family: family, addPath: addPath)
            let (m, fastError) = Self.fast(input, family: family, addPath: addPath)
            if let error {
                #expect(fastError?.offset == error.offset && fastError?.reason == error.reason, "\(input)")
            } else {
                #expect(fastError == nil && m == n, "\(input)")
            }
        }
    }
}

@Suite("RouteReader.skip: steps over exactly the route next() would return")
struct RouteSkipTests {
    static let families: [(AddressFamily, Bool)] = [(.ipv4Unicast, false), (.ipv4Unicast, true),
                                                    (.ipv6Unicast, false), (.ipv6Unicast, true), (.ipv4Labeled, false)]

    /// Runs `body` on 10,000 inputs of up to `maximumLength` bytes of NLRI — mostly plausible prefix lengths, so
    /// that inputs often hold a few entries before an error — seeded from `seed` per family and ADD-PATH.
    fileprivate static func forRandomNLRI(family: AddressFamily, addPath: Bool, seed: UInt64, maximumLength: UInt64,
                                          _ body: (inout SplitMix64, [UInt8], UnsafeRawBufferPointer) -> Void) {
        var rng = SplitMix64(seed: seed + (family.afi == 1 ? (addPath ? 0 : 1) : (addPath ? 2 : 3)))
        for _ in 0..<10_000 {
            let input: [UInt8] = (0..<Int(rng.next() % maximumLength)).map { _ in
                let r = rng.next()
                return r & 3 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : UInt8(truncatingIfNeeded: (r >> 8) % 40)
            }
            input.withUnsafeBytes { raw in body(&rng, input, raw) }
        }
    }

    @Test("skipping some routes leaves the others, the count and the error as reading every one does",
          arguments: families)
    func agrees(family: AddressFamily, addPath: Bool) {
        Self.forRandomNLRI(family: family, addPath: addPath, seed: 31, maximumLength: 48) { rng, input, raw in
            let skipping = rng.next()
            var all = RouteReader(WireReader(raw, base: 23), family: family, addPath: addPath)
            var expected: [Route] = []
            while let route = all.next() { expected.append(route) }
            var some = RouteReader(WireReader(raw, base: 23), family: family, addPath: addPath)
            var i = 0
            while true {
                if (skipping >> UInt64(i & 63)) & 1 == 1 {
                    guard some.skip() else { break }
                } else {
                    guard let route = some.next() else { break }
                    #expect(i < expected.count && route == expected[i], "\(input) route \(i)")
                }
                i += 1
            }
            #expect(i == expected.count, "\(input): \(i) routes, expected \(expected.count)")
            #expect(some.error == all.error, "\(input)")
        }
    }

    @Test("skipping runs of routes at once passes what as many single skips pass, then reads the same routes",
          arguments: families)
    func runs(family: AddressFamily, addPath: Bool) {
        Self.forRandomNLRI(family: family, addPath: addPath, seed: 41, maximumLength: 64) { rng, input, raw in
            var single = RouteReader(WireReader(raw, base: 23), family: family, addPath: addPath)
            var bulk = single
            while true {
                let run = Int(rng.next() % 5)
                var singlePassed = 0
                while singlePassed < run, single.skip() { singlePassed += 1 }
                let bulkPassed = bulk.skip(run)
                #expect(bulkPassed == singlePassed, "\(input): run of \(run)")
                #expect(bulk.error == single.error, "\(input)")
                let a = single.next(), b = bulk.next()
                #expect(a == b, "\(input)")
                if a == nil || bulkPassed != singlePassed { break }
            }
            #expect(bulk.error == single.error, "\(input)")
        }
    }
}

@Suite("PrefixReader: the prefixes RouteReader reads, without building routes")
struct PrefixReaderTests {
    @Test("same prefixes, same stop, on random NLRI of every length",
          arguments: [(AddressFamily.ipv4Unicast, false), (.ipv4Unicast, true), (.ipv6Unicast, false), (.ipv6Unicast, true)])
    func agrees(family: AddressFamily, addPath: Bool) {
        var rng = SplitMix64(seed: family.afi == 1 ? (addPath ? 21 : 22) : (addPath ? 23 : 24))
        let maximumBits = family.afi == 1 ? 32 : 128
        for round in 0..<5_000 {
            // Well-formed entries of random lengths and bytes (host bits included), then maybe junk.
            var input: [UInt8] = []
            for _ in 0..<Int(rng.next() % 6) {
                if addPath { input += (0..<4).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
                let bits = Int(rng.next() % UInt64(maximumBits + 1))
                input.append(UInt8(bits))
                input += (0..<(bits + 7) / 8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            if round % 3 == 0 { input += (0..<Int(rng.next() % 5)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            input.withUnsafeBytes { raw in
                var routes = RouteReader(WireReader(raw), family: family, addPath: addPath)
                var prefixes = PrefixReader(raw, isIPv4: family.afi == 1, addPath: addPath)
                var expected: [IPPrefix] = []
                while let route = routes.next() { expected.append(route.prefix) }
                var read: [IPPrefix] = []
                while let prefix = prefixes.next() { read.append(prefix) }
                #expect(read == expected, "\(input)")
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible random inputs.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
