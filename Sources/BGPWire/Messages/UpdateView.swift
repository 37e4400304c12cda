/// A validated, zero-copy reading of one UPDATE message (RFC 4271 §4.3) over borrowed bytes.
///
/// One pass checks every field in the order OpenBGPD uses (flags → length → duplicate → value) and
/// records RFC 7606 outcomes in `errors`; scalar attributes are kept inline and everything else as a byte
/// range, so reading an UPDATE allocates nothing unless it is malformed. Routes are read on demand with
/// `routes(_:)`. The view borrows `bytes`: it is valid only while the lender's closure runs. Its files: this
/// one, the fields and the careful reading; UpdateViewCommonCase.swift, the one-pass reading of a common UPDATE;
/// UpdateViewRoutes.swift, its routes; UpdateViewASPath.swift, the effective AS path (RFC 6793).
/// (`@frozen`, with its hot accessors inlinable: the span defaults and getters were otherwise called across the
/// module boundary for every UPDATE, 29 M instructions of a benchmark replay's parse thread.)
@frozen
public struct UpdateView {
    /// The whole message, header included.
    @inlinable public var bytes: UnsafeRawBufferPointer { messageBytes }
    @usableFromInline var messageBytes: UnsafeRawBufferPointer
    public let context: DecodingContext

    // Ranges are kept as `MessageSpan`s and counts in 32 bits: the view is copied with every UPDATE it travels
    // with (a replay's parse thread, the engine's queue), and they halve it. The fields a common UPDATE sets are
    // internal: `readCommonCase()` (UpdateViewCommonCase.swift) sets them.
    @usableFromInline var withdrawnSpan = MessageSpan.empty
    @usableFromInline var nlriSpan = MessageSpan.empty
    @usableFromInline var withdrawnCount32: Int32 = 0
    @usableFromInline var nlriCount32: Int32 = 0
    @inlinable public var withdrawnRange: Range<Int> { withdrawnSpan.range }
    @inlinable public var nlriRange: Range<Int> { nlriSpan.range }
    @inlinable public var withdrawnCount: Int { Int(withdrawnCount32) }
    @inlinable public var nlriCount: Int { Int(nlriCount32) }

    public internal(set) var origin: Origin?
    @usableFromInline var asPathSpan = MessageSpan.none
    private var as4PathSpan = MessageSpan.none
    @inlinable public var asPathRange: Range<Int>? { asPathSpan.optionalRange }
    public var as4PathRange: Range<Int>? { as4PathSpan.optionalRange }
    /// Origin ASN of AS_PATH alone (RFC 6811), as read with the session's AS width.
    public internal(set) var asPathOrigin: ASN?
    var asPathHops32: Int32 = 0
    public var asPathHops: Int { Int(asPathHops32) }
    public private(set) var as4PathOrigin: ASN?
    @usableFromInline private(set) var as4PathHops32: Int32 = 0
    public var as4PathHops: Int { Int(as4PathHops32) }
    public internal(set) var nextHop: IPv4Address?
    public internal(set) var med: UInt32?
    public internal(set) var localPref: UInt32?
    public internal(set) var atomicAggregate = false
    public private(set) var aggregator: Aggregator?
    public private(set) var as4Aggregator: Aggregator?
    var communitiesSpan = MessageSpan.none
    var extendedCommunitiesSpan = MessageSpan.none
    var largeCommunitiesSpan = MessageSpan.none
    public var communitiesRange: Range<Int>? { communitiesSpan.optionalRange }
    public var extendedCommunitiesRange: Range<Int>? { extendedCommunitiesSpan.optionalRange }
    public var largeCommunitiesRange: Range<Int>? { largeCommunitiesSpan.optionalRange }
    public private(set) var originatorID: IPv4Address?
    private var clusterListSpan = MessageSpan.none
    public var clusterListRange: Range<Int>? { clusterListSpan.optionalRange }
    public private(set) var aigp: UInt64?
    public private(set) var otc: ASN?
    public internal(set) var mpReach: MPReachView?
    public internal(set) var mpUnreach: MPUnreachView?
    /// Whole attributes (flags, type, length, value) we do not decode, kept raw.
    public var unknownAttributeRanges: [Range<Int>] { unknownAttributeList ?? [] }
    /// RFC 7606 outcomes, in the order met.
    @inlinable public var errors: [UpdateError] { errorList ?? [] }
    /// Whether any RFC 7606 outcome was recorded (`errors` is not empty), without building the list.
    @inlinable public var hasErrors: Bool { errorList != nil }
    /// `unknownAttributeRanges` and `errors`, `nil` while empty (always, for the common UPDATE): optional arrays
    /// hold no reference then, so that a view is copied and destroyed without reference counting (three
    /// releases per UPDATE were 17 M instructions of a benchmark replay's parse thread).
    @usableFromInline private(set) var unknownAttributeList: [Range<Int>]?
    @usableFromInline private(set) var errorList: [UpdateError]?

    /// The worst RFC 7606 action recorded, if any.
    public var worstAction: ErrorAction? { errors.lazy.map(\.action).max() }

    /// True when an error makes the bytes unreadable under this decoding context (as opposed to a well-framed
    /// attribute with a bad value): what mid-session inference uses to reject a reading.
    public var hasStructuralError: Bool {
        errors.contains { e in
            switch e.error.code {
            case .truncated, .badLength, .attributeOverrun, .badASPath, .badNLRI, .badMPReach, .badMPUnreach, .badNextHop:
                true
            case .badAttributeLength:
                e.attributeType == PathAttributeType.aggregator  // 6 or 8 bytes depending on the AS width
            default:
                false
            }
        }
    }

    /// True when routes in this UPDATE must be handled as withdrawn (treat-as-withdraw or worse).
    public var isTreatAsWithdraw: Bool { hasErrors && (worstAction ?? .attributeDiscard) >= .treatAsWithdraw }

    /// Parses the message. `bytes` must be a whole framed message (see `MessageHeader`) of type UPDATE.
    /// (Inlined, so that the view is built where the caller keeps it: an opaque initializer built it on its
    /// stack and copied its 248 bytes out, 4.5% of `decode`; merely inlinable, it was specialized and then merged
    /// with `init(carefully:context:)` into one function that copied the view out twice more.)
    @inlinable @inline(__always)
    public init(_ bytes: UnsafeRawBufferPointer, context: DecodingContext) {
        messageBytes = bytes
        self.context = context
        parse()
    }

    /// The same reading over `copy`, a byte-for-byte copy of `bytes` that outlives them: every range is an
    /// offset into the message, so nothing is parsed again.
    public func rebased(onto copy: UnsafeRawBufferPointer) -> UpdateView {
        precondition(copy.count == bytes.count, "rebased(onto:) needs a copy of the whole message")
        var view = self
        view.messageBytes = copy
        return view
    }

    // MARK: - Parsing

    private mutating func record(_ action: ErrorAction, _ code: WireError.Code, at offset: Int,
                                 _ reason: String, attribute: UInt8? = nil) {
        let error = UpdateError(action: action, error: WireError(code, at: offset, reason), attributeType: attribute)
        if errorList == nil { errorList = [error] } else { errorList?.append(error) }
    }

    /// The careful reading alone, without the common-case scan: what `init(_:context:)` must agree with (tests and
    /// the `bgp-message` fuzz target compare the two with `hasSameReading(as:)`).
    public init(carefully bytes: UnsafeRawBufferPointer, context: DecodingContext) {
        messageBytes = bytes
        self.context = context
        parseCarefully()
    }

    /// True when `other` holds the same reading, field by field (stored properties compared by their
    /// descriptions, so that a field added later is compared too).
    public func hasSameReading(as other: UpdateView) -> Bool {
        let mine = Mirror(reflecting: self).children, theirs = Mirror(reflecting: other).children
        return mine.count == theirs.count && zip(mine, theirs).allSatisfy { a, b in
            a.label == b.label && String(reflecting: a.value) == String(reflecting: b.value)
        }
    }

    @usableFromInline
    mutating func parse() {
        guard readCommonCase() else {
            // The common-case reading stopped part-way: start again from a fresh view.
            self = UpdateView(carefully: messageBytes, context: context)
            return
        }
    }

    /// Reads every field in order, recording each RFC 7606 outcome where it is met.
    private mutating func parseCarefully() {
        guard bytes.count <= MessageSpan.maximumMessageLength else {
            record(.sessionReset, .badLength, at: 0, "longer than \(MessageSpan.maximumMessageLength) bytes")
            return
        }
        var body = WireReader(bytes, base: 0)
        guard body.skip(MessageHeader.length) else {
            record(.sessionReset, .truncated, at: 0, "shorter than a header")
            return
        }
        guard let withdrawnLength = body.readUInt16() else {
            record(.sessionReset, .truncated, at: body.position, "no withdrawn routes length")
            return
        }
        let withdrawnStart = body.position
        guard let withdrawn = body.readSlice(Int(withdrawnLength)) else {
            record(.sessionReset, .badLength, at: withdrawnStart - 2,
                   "withdrawn routes length \(withdrawnLength) overruns the message")
            return
        }
        withdrawnSpan = MessageSpan(withdrawnStart..<withdrawnStart + Int(withdrawnLength))
        guard let attributesLength = body.readUInt16() else {
            record(.sessionReset, .truncated, at: body.position, "no total path attribute length")
            return
        }
        guard let attributes = body.readSlice(Int(attributesLength)) else {
            record(.sessionReset, .badLength, at: body.position - 2,
                   "total path attribute length \(attributesLength) overruns the message")
            return
        }
        nlriSpan = MessageSpan(body.position..<bytes.count)
        let addPathV4 = context.addPath.containsIPv4Unicast
        var withdrawnReader = withdrawn
        do {
            withdrawnCount32 = Int32(try RouteReader.countPlain(&withdrawnReader, isIPv4: true, addPath: addPathV4))
        } catch {
            record(.sessionReset, .badNLRI, at: error.offset, "withdrawn routes: \(error.reason)")
        }
        parseAttributes(attributes)
        var nlriReader = body
        do {
            nlriCount32 = Int32(try RouteReader.countPlain(&nlriReader, isIPv4: true, addPath: addPathV4))
        } catch {
            record(.sessionReset, .badNLRI, at: error.offset, "NLRI: \(error.reason)")
        }
        checkMandatoryAttributes(attributesStart: attributes.base)
    }

    private mutating func checkMandatoryAttributes(attributesStart: Int) {
        let announces = nlriCount > 0 || (mpReach.map { $0.routeCount > 0 || $0.opaqueCount > 0 } ?? false)
        guard announces else { return }
        var missing: [String] = []
        if origin == nil && !hasError(on: PathAttributeType.origin) { missing.append("ORIGIN") }
        // RFC 8205 §3: BGPsec_PATH stands in for AS_PATH between BGPsec speakers.
        if asPathRange == nil && !hasBGPsecPath && !hasError(on: PathAttributeType.asPath) { missing.append("AS_PATH") }
        if nlriCount > 0 && nextHop == nil && !hasError(on: PathAttributeType.nextHop) { missing.append("NEXT_HOP") }
        if !missing.isEmpty {
            record(.treatAsWithdraw, .missingMandatoryAttribute, at: attributesStart,
                   "missing \(missing.joined(separator: ", "))")
        }
    }

    private var hasBGPsecPath: Bool {
        unknownAttributeRanges.contains { $0.count > 1 && bytes[$0.lowerBound + 1] == PathAttributeType.bgpsecPath }
    }

    private func hasError(on type: UInt8) -> Bool { errors.contains { $0.attributeType == type } }

    private mutating func parseAttributes(_ attributes: WireReader) {
        var reader = attributes
        var seen = SeenAttributes()
        while !reader.isEmpty {
            let start = reader.position
            guard let rawFlags = reader.readUInt8(), let type = reader.readUInt8() else {
                record(.treatAsWithdraw, .truncated, at: start, "truncated attribute header")
                return
            }
            let flags = PathAttributeFlags(rawValue: rawFlags)
            let declared = flags.contains(.extendedLength) ? reader.readUInt16().map(Int.init) : reader.readUInt8().map(Int.init)
            guard let length = declared else {
                record(.treatAsWithdraw, .truncated, at: start, "truncated attribute length", attribute: type)
                return
            }
            guard let value = reader.readSlice(length) else {
                // RFC 7606 §4: an attribute overrunning the attribute field cannot be delimited.
                let action: ErrorAction = type == PathAttributeType.mpReachNLRI || type == PathAttributeType.mpUnreachNLRI
                    ? .sessionReset : .treatAsWithdraw
                record(action, .attributeOverrun, at: start,
                       "length \(length) overruns the attribute field (\(reader.remaining) left)", attribute: type)
                return
            }
            let action = AttributeRules.action(for: type)
            if let expected = AttributeRules.expectedFlags(for: type), rawFlags & 0xC0 != expected {
                // RFC 7606 §3.c: conflicting Optional/Transitive bits make the attribute malformed and the
                // UPDATE treat-as-withdraw; the value is still decoded so reports show what was sent.
                record(max(action, .treatAsWithdraw), .badAttributeFlags, at: start,
                       "flags 0x\(String(rawFlags, radix: 16)) conflict with the attribute type", attribute: type)
            }
            if seen.insert(type) == false {
                let dupAction: ErrorAction = type == PathAttributeType.mpReachNLRI || type == PathAttributeType.mpUnreachNLRI
                    ? .sessionReset : .attributeDiscard
                record(dupAction, .duplicateAttribute, at: start, "repeated", attribute: type)
                continue
            }
            do {
                try decodeValue(type: type, value: value, wholeRange: start..<value.base + length)
            } catch {
                record(action, error.code, at: error.offset, error.reason, attribute: type)
            }
        }
    }

    private static func exactly(_ n: Int, _ value: WireReader) throws(WireError) {
        guard value.remaining == n else {
            throw WireError(.badAttributeLength, at: value.position, "length \(value.remaining), expected \(n)")
        }
    }

    private static func multiple(of n: Int, _ value: WireReader) throws(WireError) {
        guard value.remaining % n == 0, value.remaining > 0 else {
            throw WireError(.badAttributeLength, at: value.position, "length \(value.remaining) is not a positive multiple of \(n)")
        }
    }

    private static func span(_ value: WireReader) -> MessageSpan { MessageSpan(value.base..<value.base + value.remaining) }

    private mutating func decodeValue(type: UInt8, value: WireReader, wholeRange: Range<Int>) throws(WireError) {
        var value = value
        switch type {
        case PathAttributeType.origin:
            try Self.exactly(1, value)
            guard let o = Origin(rawValue: value.readUInt8() ?? 255) else {
                throw WireError(.badOrigin, at: value.base, "undefined origin value")
            }
            origin = o
        case PathAttributeType.asPath:
            let (origin, hops) = try ASPath.validate(value, fourOctet: context.fourOctetAS)
            (asPathOrigin, asPathHops32) = (origin, Int32(hops))
            asPathSpan = Self.span(value)
        case PathAttributeType.nextHop:
            try Self.exactly(4, value)
            nextHop = value.readUInt32().map(IPv4Address.init)
        case PathAttributeType.multiExitDisc:
            try Self.exactly(4, value)
            med = value.readUInt32()
        case PathAttributeType.localPref:
            try Self.exactly(4, value)
            localPref = value.readUInt32()
        case PathAttributeType.atomicAggregate:
            try Self.exactly(0, value)
            atomicAggregate = true
        case PathAttributeType.aggregator:
            aggregator = try Aggregator(from: &value, fourOctet: context.fourOctetAS)
        case PathAttributeType.communities:
            try Self.multiple(of: 4, value)
            communitiesSpan = Self.span(value)
        case PathAttributeType.originatorID:
            try Self.exactly(4, value)
            originatorID = value.readUInt32().map(IPv4Address.init)
        case PathAttributeType.clusterList:
            try Self.multiple(of: 4, value)
            clusterListSpan = Self.span(value)
        case PathAttributeType.mpReachNLRI:
            mpReach = try MPReachView(value, addPath: context.addPath)
        case PathAttributeType.mpUnreachNLRI:
            mpUnreach = try MPUnreachView(value, addPath: context.addPath)
        case PathAttributeType.extendedCommunities:
            try Self.multiple(of: 8, value)
            extendedCommunitiesSpan = Self.span(value)
        case PathAttributeType.as4Path:
            let (origin, hops) = try ASPath.validate(value, fourOctet: true)
            (as4PathOrigin, as4PathHops32) = (origin, Int32(hops))
            as4PathSpan = Self.span(value)
        case PathAttributeType.as4Aggregator:
            as4Aggregator = try Aggregator(from: &value, fourOctet: true)
        case PathAttributeType.aigp:
            aigp = try Self.decodeAIGP(value)
        case PathAttributeType.largeCommunity:
            try Self.multiple(of: 12, value)
            largeCommunitiesSpan = Self.span(value)
        case PathAttributeType.onlyToCustomer:
            // RFC 9234 §5: a length other than 4 is malformed → treat-as-withdraw.
            try Self.exactly(4, value)
            otc = value.readUInt32()
        default:
            if unknownAttributeList == nil { unknownAttributeList = [wholeRange] } else {
                unknownAttributeList?.append(wholeRange)
            }
        }
    }

    /// AIGP (RFC 7311 §3): TLVs of type(1) length(2, including the 3-octet header) value; type 1 has an 8-octet metric.
    private static func decodeAIGP(_ value: WireReader) throws(WireError) -> UInt64? {
        var reader = value
        var metric: UInt64?
        while !reader.isEmpty {
            let at = reader.position
            guard let type = reader.readUInt8(), let length = reader.readUInt16(), length >= 3,
                var tlv = reader.readSlice(Int(length) - 3)
            else { throw WireError(.badAttributeLength, at: at, "malformed AIGP TLV") }
            if type == 1 {
                guard tlv.remaining == 8, metric == nil else {
                    throw WireError(.badAttributeLength, at: at, "AIGP metric TLV of \(tlv.remaining) bytes")
                }
                metric = tlv.readUInt64()
            }
        }
        return metric
    }
}
