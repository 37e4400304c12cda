/// Encodes BGP messages to wire bytes (RFC 4271 §4 and the extensions the decoder reads).
/// Used by tests, fuzz round trips and tools; it writes what it is given and does not validate semantics.
extension BGPMessage {
    public func encoded(context: DecodingContext = DecodingContext()) -> [UInt8] {
        var body = WireWriter()
        switch self {
        case .open(let open): open.encodeBody(into: &body)
        case .update(let update): update.encodeBody(into: &body, context: context)
        case .notification(let n):
            body.writeUInt8(n.code)
            body.writeUInt8(n.subcode)
            body.writeBytes(n.data)
        case .keepalive: break
        case .routeRefresh(let rr):
            body.writeUInt16(rr.family.afi)
            body.writeUInt8(rr.subtype)
            body.writeUInt8(rr.family.safi)
            body.writeBytes(rr.extra)
        }
        var out = WireWriter()
        out.writeBytes([UInt8](repeating: 0xFF, count: 16))
        out.writeUInt16(UInt16(clamping: body.bytes.count + MessageHeader.length))
        out.writeUInt8(type.rawValue)
        out.writeBytes(body.bytes)
        return out.bytes
    }
}

extension OpenMessage {
    func encodeBody(into w: inout WireWriter) {
        var caps = WireWriter()
        for cap in capabilities {
            caps.writeUInt8(cap.code)
            caps.writeLengthPrefixed(twoOctets: false) { cap.encodeValue(into: &$0) }
        }
        w.writeUInt8(version)
        w.writeUInt16(myAS)
        w.writeUInt16(holdTime)
        w.writeUInt32(bgpIdentifier.value)
        // Capabilities go in one parameter (type 2, RFC 5492 §4), then every other parameter as it came.
        var parameters = otherParameters
        if !caps.bytes.isEmpty { parameters.insert(OptionalParameter(type: 2, value: caps.bytes), at: 0) }
        let plainLength = parameters.reduce(0) { $0 + 2 + $1.value.count }
        let extended = usesExtendedParameters || plainLength > 255 || parameters.contains { $0.value.count > 255 }
        if extended {
            // RFC 9072 §2: non-extended length 255, type 255, then a two-octet length; parameters use two-octet lengths.
            w.writeUInt8(255)
            w.writeUInt8(255)
        }
        w.writeLengthPrefixed(twoOctets: extended) { p in
            for parameter in parameters {
                p.writeUInt8(parameter.type)
                p.writeLengthPrefixed(twoOctets: extended) { $0.writeBytes(parameter.value) }
            }
        }
    }
}

extension Capability {
    func encodeValue(into w: inout WireWriter) {
        switch self {
        case .multiprotocol(let f):
            w.writeUInt16(f.afi)
            w.writeUInt8(0)
            w.writeUInt8(f.safi)
        case .routeRefresh, .extendedMessage, .enhancedRouteRefresh: break
        case .extendedNextHop(let entries):
            for e in entries {
                w.writeUInt16(e.family.afi)
                w.writeUInt16(UInt16(e.family.safi))
                w.writeUInt16(e.nextHopAFI)
            }
        case .role(let r): w.writeUInt8(r.rawValue)
        case .gracefulRestart(let gr):
            w.writeUInt16(UInt16(gr.flags) << 12 | gr.restartTime & 0x0FFF)
            for f in gr.families {
                w.writeUInt16(f.afi)
                w.writeUInt8(f.safi)
                w.writeUInt8(0)
            }
        case .fourOctetAS(let asn): w.writeUInt32(asn)
        case .addPath(let entries):
            for e in entries {
                w.writeUInt16(e.family.afi)
                w.writeUInt8(e.family.safi)
                w.writeUInt8(e.mode.rawValue)
            }
        case .fqdn(let host, let domain):
            w.writeLengthPrefixed(twoOctets: false) { $0.writeBytes(Array(host.utf8.prefix(255))) }
            w.writeLengthPrefixed(twoOctets: false) { $0.writeBytes(Array(domain.utf8.prefix(255))) }
        case .unknown(_, let value): w.writeBytes(value)
        }
    }
}

extension GracefulRestartCapability {
    public init(flags: UInt8, restartTime: UInt16, families: [AddressFamily]) {
        self.flags = flags
        self.restartTime = restartTime
        self.families = families
    }
}

extension UpdateMessage {
    func encodeBody(into w: inout WireWriter, context: DecodingContext) {
        w.writeLengthPrefixed(twoOctets: true) { out in
            for r in withdrawnRoutes { r.encode(into: &out, family: .ipv4Unicast, addPath: context.addPath.contains(.ipv4Unicast)) }
        }
        w.writeLengthPrefixed(twoOctets: true) { attributes.encode(into: &$0, context: context) }
        for r in nlri { r.encode(into: &w, family: .ipv4Unicast, addPath: context.addPath.contains(.ipv4Unicast)) }
    }
}

extension PathAttributes {
    func encode(into w: inout WireWriter, context: DecodingContext) {
        func attribute(_ flags: UInt8, _ type: UInt8, _ body: (inout WireWriter) -> Void) {
            var value = WireWriter()
            body(&value)
            // An unknown attribute keeps the length form it arrived with.
            let extended = value.bytes.count > 255 || flags & PathAttributeFlags.extendedLength.rawValue != 0
            w.writeUInt8(extended ? flags | PathAttributeFlags.extendedLength.rawValue : flags)
            w.writeUInt8(type)
            if extended { w.writeUInt16(UInt16(clamping: value.bytes.count)) } else { w.writeUInt8(UInt8(value.bytes.count)) }
            w.writeBytes(value.bytes)
        }
        let wellKnown: UInt8 = 0x40, optional: UInt8 = 0x80, optionalTransitive: UInt8 = 0xC0
        if let origin { attribute(wellKnown, PathAttributeType.origin) { $0.writeUInt8(origin.rawValue) } }
        if let asPath { attribute(wellKnown, PathAttributeType.asPath) { asPath.encode(into: &$0, fourOctet: context.fourOctetAS) } }
        if let nextHop { attribute(wellKnown, PathAttributeType.nextHop) { $0.writeUInt32(nextHop.value) } }
        if let med { attribute(optional, PathAttributeType.multiExitDisc) { $0.writeUInt32(med) } }
        if let localPref { attribute(wellKnown, PathAttributeType.localPref) { $0.writeUInt32(localPref) } }
        if atomicAggregate { attribute(wellKnown, PathAttributeType.atomicAggregate) { _ in } }
        if let aggregator {
            attribute(optionalTransitive, PathAttributeType.aggregator) { v in
                if context.fourOctetAS { v.writeUInt32(aggregator.asn) } else { v.writeUInt16(UInt16(clamping: aggregator.asn)) }
                v.writeUInt32(aggregator.address.value)
            }
        }
        if !communities.isEmpty {
            attribute(optionalTransitive, PathAttributeType.communities) { v in for c in communities { v.writeUInt32(c.raw) } }
        }
        if let originatorID { attribute(optional, PathAttributeType.originatorID) { $0.writeUInt32(originatorID.value) } }
        if !clusterList.isEmpty {
            attribute(optional, PathAttributeType.clusterList) { v in for c in clusterList { v.writeUInt32(c.value) } }
        }
        if let mpReach {
            attribute(optional, PathAttributeType.mpReachNLRI) { v in
                v.writeUInt16(mpReach.family.afi)
                v.writeUInt8(mpReach.family.safi)
                v.writeLengthPrefixed(twoOctets: false) { nh in
                    for hop in mpReach.nextHops {
                        if mpReach.family.prefixEncoding == .vpn { nh.writeUInt64(0) }
                        switch hop {
                        case .v4(let a): nh.writeUInt32(a.value)
                        case .v6(let a):
                            nh.writeUInt64(a.high)
                            nh.writeUInt64(a.low)
                        }
                    }
                }
                v.writeUInt8(0)
                let addPath = context.addPath.contains(mpReach.family)
                for r in mpReach.routes { r.encode(into: &v, family: mpReach.family, addPath: addPath) }
                v.writeBytes(mpReach.opaque)
            }
        }
        if let mpUnreach {
            attribute(optional, PathAttributeType.mpUnreachNLRI) { v in
                v.writeUInt16(mpUnreach.family.afi)
                v.writeUInt8(mpUnreach.family.safi)
                let addPath = context.addPath.contains(mpUnreach.family)
                for r in mpUnreach.routes { r.encode(into: &v, family: mpUnreach.family, addPath: addPath) }
                v.writeBytes(mpUnreach.opaque)
            }
        }
        if !extendedCommunities.isEmpty {
            attribute(optionalTransitive, PathAttributeType.extendedCommunities) { v in
                for c in extendedCommunities { v.writeUInt64(c.raw) }
            }
        }
        if let as4Path { attribute(optionalTransitive, PathAttributeType.as4Path) { as4Path.encode(into: &$0, fourOctet: true) } }
        if let as4Aggregator {
            attribute(optionalTransitive, PathAttributeType.as4Aggregator) { v in
                v.writeUInt32(as4Aggregator.asn)
                v.writeUInt32(as4Aggregator.address.value)
            }
        }
        if let aigp {
            attribute(optional, PathAttributeType.aigp) { v in
                v.writeUInt8(1)
                v.writeUInt16(11)
                v.writeUInt64(aigp)
            }
        }
        if !largeCommunities.isEmpty {
            attribute(optionalTransitive, PathAttributeType.largeCommunity) { v in
                for c in largeCommunities {
                    v.writeUInt32(c.globalAdministrator)
                    v.writeUInt32(c.localData1)
                    v.writeUInt32(c.localData2)
                }
            }
        }
        if let otc { attribute(optionalTransitive, PathAttributeType.onlyToCustomer) { $0.writeUInt32(otc) } }
        for raw in unknown { attribute(raw.flags.rawValue, raw.type) { $0.writeBytes(raw.value) } }
    }
}

extension ASPath {
    func encode(into w: inout WireWriter, fourOctet: Bool) {
        for segment in segments {
            // Segments hold at most 255 ASNs; longer ones are split.
            var start = 0
            repeat {
                let chunk = segment.asns[start..<min(segment.asns.count, start + 255)]
                w.writeUInt8(segment.kind.rawValue)
                w.writeUInt8(UInt8(chunk.count))
                for asn in chunk {
                    if fourOctet { w.writeUInt32(asn) } else { w.writeUInt16(asn > 0xFFFF ? UInt16(ASN.asTrans) : UInt16(asn)) }
                }
                start += 255
            } while start < segment.asns.count
        }
    }
}

extension Route {
    func encode(into w: inout WireWriter, family: AddressFamily, addPath: Bool) {
        if addPath { w.writeUInt32(pathID ?? 0) }
        let encoding = family.prefixEncoding ?? .plain
        var bits = Int(prefix.length)
        let entries = labels.entries
        if encoding != .plain { bits += 24 * max(1, entries.count) }
        if encoding == .vpn { bits += 64 }
        w.writeUInt8(UInt8(clamping: bits))
        if encoding != .plain {
            // Entries as read; the last one ends the stack (bottom-of-stack bit, or the RFC 8277 §2.4
            // withdrawal value 0x800000), and one built from label values gets the bit set.
            let stack = entries.isEmpty ? [UInt32(0)] : entries
            for (i, entry) in stack.enumerated() {
                let terminates = entry & 1 == 1 || entry == 0x80_0000 || entry == 0
                w.writeUInt24(i == stack.count - 1 && !terminates ? entry | 1 : entry)
            }
        }
        if encoding == .vpn { w.writeUInt64(routeDistinguisher?.raw ?? 0) }
        let byteCount = (Int(prefix.length) + 7) / 8
        switch prefix {
        case .v4(let p):
            for i in 0..<byteCount { w.writeUInt8(UInt8(truncatingIfNeeded: p.address.value >> UInt32(24 - 8 * i))) }
        case .v6(let p):
            for i in 0..<byteCount {
                let word = i < 8 ? p.address.high : p.address.low
                w.writeUInt8(UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (i % 8))))
            }
        }
    }
}
