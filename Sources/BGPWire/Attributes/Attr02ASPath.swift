/// One AS_PATH segment (RFC 4271 §4.3; confederation segments RFC 5065 §3).
public struct ASPathSegment: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable, CustomStringConvertible {
        case set = 1
        case sequence = 2
        case confedSequence = 3
        case confedSet = 4

        public var description: String {
            switch self {
            case .set: "AS_SET"
            case .sequence: "AS_SEQUENCE"
            case .confedSequence: "AS_CONFED_SEQUENCE"
            case .confedSet: "AS_CONFED_SET"
            }
        }
    }

    public var kind: Kind
    public var asns: [ASN]

    public init(_ kind: Kind, _ asns: [ASN]) {
        self.kind = kind
        self.asns = asns
    }

    /// Path length contribution for RFC 4271 §9.1.2.2 and the RFC 6793 merge: a set counts 1, confed segments 0.
    public var hopCount: Int {
        switch kind {
        case .sequence: asns.count
        case .set: 1
        case .confedSequence, .confedSet: 0
        }
    }
}

/// An AS_PATH or AS4_PATH value (RFC 4271 §5.1.2, RFC 6793 §4).
public struct ASPath: Sendable, Hashable, CustomStringConvertible {
    public var segments: [ASPathSegment]

    public init(_ segments: [ASPathSegment] = []) { self.segments = segments }

    /// Decodes the attribute value with 2- or 4-octet ASNs. Segments must fill the value exactly.
    public init(from reader: inout WireReader, fourOctet: Bool) throws(WireError) {
        var segments: [ASPathSegment] = []
        try ASPath.forEachSegment(&reader, fourOctet: fourOctet) { kind, values in
            var values = values
            var asns: [ASN] = []
            asns.reserveCapacity(values.remaining / (fourOctet ? 4 : 2))
            while !values.isEmpty {
                asns.append(fourOctet ? values.readUInt32() ?? 0 : ASN(values.readUInt16() ?? 0))
            }
            segments.append(ASPathSegment(kind, asns))
        }
        self.segments = segments
    }

    /// Checks the layout without allocating; returns the RFC 6811 origin (see `originASN`) and the hop count.
    public static func validate(_ reader: WireReader, fourOctet: Bool) throws(WireError) -> (origin: ASN?, hops: Int) {
        var reader = reader
        var origin: ASN?
        var hops = 0
        let width = fourOctet ? 4 : 2
        try forEachSegment(&reader, fourOctet: fourOctet) { kind, values in
            let count = values.remaining / width
            switch kind {
            case .sequence:
                hops += count
                var last = values
                _ = last.skip((count - 1) * width)
                origin = fourOctet ? last.readUInt32() : last.readUInt16().map(ASN.init)
            case .set:
                hops += 1
                origin = nil
            case .confedSequence, .confedSet:
                break
            }
        }
        return (origin, hops)
    }

    /// Walks the segments (RFC 4271 §4.3: type, count, count ASNs), handing each one's ASN bytes to `body`;
    /// throws on an unknown type, an empty segment or one that overruns the attribute.
    static func forEachSegment(_ reader: inout WireReader, fourOctet: Bool,
                               _ body: (ASPathSegment.Kind, WireReader) -> Void) throws(WireError) {
        let width = fourOctet ? 4 : 2
        while !reader.isEmpty {
            let at = reader.position
            guard let rawKind = reader.readUInt8(), let count = reader.readUInt8() else {
                throw WireError(.badASPath, at: at, "truncated segment header")
            }
            guard let kind = ASPathSegment.Kind(rawValue: rawKind) else {
                throw WireError(.badASPath, at: at, "unknown segment type \(rawKind)")
            }
            guard count > 0 else { throw WireError(.badASPath, at: at, "empty segment") }
            guard let values = reader.readSlice(Int(count) * width) else {
                throw WireError(.badASPath, at: at, "segment of \(count) ASNs overruns the attribute")
            }
            body(kind, values)
        }
    }

    /// RFC 6811 §2: the last AS of the final segment when it is an AS_SEQUENCE; `nil` when the path
    /// ends in an AS_SET (or holds only confederation segments, or is empty).
    public var originASN: ASN? {
        for segment in segments.reversed() {
            switch segment.kind {
            case .sequence: return segment.asns.last
            case .set: return nil
            case .confedSequence, .confedSet: continue
            }
        }
        return nil
    }

    /// The path's length for best-path selection and the RFC 6793 merge.
    public var hopCount: Int { segments.reduce(0) { $0 + $1.hopCount } }

    /// All ASNs in order, flattening sets (for display and simple checks).
    public var flattened: [ASN] { segments.flatMap(\.asns) }

    /// RFC 6793 §4.2.3: AS4_PATH matters only on a 2-octet session, and both AS4 attributes are ignored
    /// when AGGREGATOR names a real 2-octet AS while AS4_AGGREGATOR is present.
    public static func as4PathApplies(fourOctetSession: Bool, aggregator: Aggregator?, as4Aggregator: Aggregator?) -> Bool {
        guard !fourOctetSession else { return false }
        if let aggregator, aggregator.asn != ASN.asTrans, as4Aggregator != nil { return false }
        return true
    }

    /// RFC 6793 §4.2.3: reconstructs the path a 2-octet speaker received as AS_PATH + AS4_PATH.
    /// When AS4_PATH is longer than AS_PATH it is ignored; otherwise the leading ASNs of AS_PATH
    /// that AS4_PATH does not cover are kept in front of AS4_PATH. Confederation segments of AS4_PATH are dropped.
    public static func merge(asPath: ASPath, as4Path: ASPath) -> ASPath {
        let as4 = ASPath(as4Path.segments.filter { $0.kind == .sequence || $0.kind == .set })
        let keep = asPath.hopCount - as4.hopCount
        guard keep >= 0 else { return asPath }
        var leading: [ASPathSegment] = []
        var remaining = keep
        for segment in asPath.segments where remaining > 0 || segment.hopCount == 0 {
            if segment.hopCount == 0 {
                if remaining > 0 { leading.append(segment) }
                continue
            }
            if segment.kind == .set {
                leading.append(segment)
                remaining -= 1
            } else {
                let n = min(remaining, segment.asns.count)
                leading.append(ASPathSegment(.sequence, Array(segment.asns.prefix(n))))
                remaining -= n
            }
        }
        // Join a trailing leading-sequence with a leading AS4 sequence, as one segment on the wire would be.
        var merged = leading
        for segment in as4.segments {
            if let last = merged.last, last.kind == .sequence, segment.kind == .sequence,
                merged.count == leading.count, last.asns.count + segment.asns.count <= 255
            {
                merged[merged.count - 1].asns += segment.asns
            } else {
                merged.append(segment)
            }
        }
        return ASPath(merged)
    }

    public var description: String {
        segments.map { s in
            let inner = s.asns.map(String.init).joined(separator: " ")
            switch s.kind {
            case .sequence: return inner
            case .set: return "{\(inner)}"
            case .confedSequence: return "(\(inner))"
            case .confedSet: return "[\(inner)]"
            }
        }.joined(separator: " ")
    }
}
