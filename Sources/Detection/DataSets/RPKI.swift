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
/// 600,000-entry trie through main memory. IPv6 VRPs, far fewer, stay in a PATRICIA trie.
public struct RPKIData: Sendable {
    struct V4Entry: Sendable {
        var address: UInt32
        var length: UInt8
        var maxLength: UInt8
        var asn: UInt32
    }

    /// `v4Entries[v4Offsets[b]..<v4Offsets[b + 1]]` are the VRPs intersecting /16 bucket b.
    private var v4Offsets = [Int32](repeating: 0, count: (1 << 16) + 1)
    private var v4Entries: [V4Entry] = []
    private var v6 = PrefixTrie()
    /// IPv6 VRPs grouped by prefix; the trie values index this.
    private var v6Groups: [[(asn: ASN, maxLength: UInt8)]] = []
    private var v6GroupPrefixes: [IPPrefix] = []
    public private(set) var vrpCount = 0
    /// ASPA: customer AS → its authorised provider ASes (draft-ietf-sidrops-aspa-profile).
    public private(set) var aspas: [ASN: Set<ASN>] = [:]
    public let source: String

    public init(source: String = "", vrps: [VRP] = [], aspas: [ASN: Set<ASN>] = [:]) {
        self.source = source
        self.aspas = aspas
        var unique = Set<VRP>()
        unique.reserveCapacity(vrps.count)
        var v4: [V4Entry] = []
        var v6Index: [IPPrefix: Int32] = [:]
        for v in vrps where unique.insert(v).inserted {
            switch v.prefix {
            case .v4(let p):
                v4.append(V4Entry(address: p.address.value, length: p.length, maxLength: v.maxLength, asn: v.asn))
            case .v6:
                if let g = v6Index[v.prefix] {
                    v6Groups[Int(g)].append((v.asn, v.maxLength))
                } else {
                    let g = Int32(v6Groups.count)
                    v6Groups.append([(v.asn, v.maxLength)])
                    v6GroupPrefixes.append(v.prefix)
                    v6Index[v.prefix] = g
                    v6.insert(PrefixTrie.Key(v.prefix), value: g)
                }
            }
        }
        vrpCount = unique.count
        buildV4Buckets(v4)
    }

    /// Counting sort of the IPv4 VRPs into their /16 buckets (short VRPs repeated in each bucket they cover).
    private mutating func buildV4Buckets(_ entries: [V4Entry]) {
        func span(_ e: V4Entry) -> Range<Int> {
            let first = Int(e.address >> 16)
            return first..<min(first + (e.length >= 16 ? 1 : 1 << (16 - Int(e.length))), 1 << 16)
        }
        var counts = [Int32](repeating: 0, count: (1 << 16) + 1)
        for e in entries { for b in span(e) { counts[b + 1] += 1 } }
        for b in 0..<(1 << 16) { counts[b + 1] += counts[b] }
        v4Offsets = counts
        var cursor = counts
        v4Entries = [V4Entry](repeating: V4Entry(address: 0, length: 0, maxLength: 0, asn: 0), count: Int(counts[1 << 16]))
        for e in entries {
            for b in span(e) {
                v4Entries[Int(cursor[b])] = e
                cursor[b] += 1
            }
        }
    }

    @inline(__always)
    static func mask(_ length: UInt8) -> UInt32 { length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length)) }

    /// RFC 6811 §2: Valid when a covering VRP matches the origin and the length; Invalid when VRPs cover the
    /// prefix but none matches (an AS_SET origin — `nil` — never matches, AS0 authorises nobody); NotFound
    /// when none covers it.
    @inline(__always)
    public func validate(_ prefix: IPPrefix, origin: ASN?) -> ROVState {
        switch prefix {
        case .v4(let p):
            var state = ROVState.notFound
            forEachCovering(p) { e in
                state = .invalid
                guard let origin, e.asn == origin, e.asn != 0, p.length <= e.maxLength else { return true }
                state = .valid
                return false
            }
            return state
        case .v6:
            var covered = false
            var valid = false
            let length = prefix.length
            // A closure literal at the call is non-escaping: its captures stay on the stack.
            v6.forEachCovering(PrefixTrie.Key(prefix)) { g in
                covered = true
                guard !valid, let origin else { return }
                for v in v6Groups[Int(g)] where v.asn == origin && v.asn != 0 && length <= v.maxLength {
                    valid = true
                    return
                }
            }
            return valid ? .valid : (covered ? .invalid : .notFound)
        }
    }

    /// Calls `body` with each IPv4 VRP covering `p` (from its /16 bucket) until it returns false.
    @inline(__always)
    private func forEachCovering(_ p: IPv4Prefix, _ body: (V4Entry) -> Bool) {
        let address = p.address.value
        let bucket = Int(address >> 16)
        for i in Int(v4Offsets[bucket])..<Int(v4Offsets[bucket + 1]) {
            let e = v4Entries[i]
            guard e.length <= p.length, address & RPKIData.mask(e.length) == e.address else { continue }
            guard body(e) else { return }
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
            v6.forEachCovering(PrefixTrie.Key(prefix)) { g in
                for v in v6Groups[Int(g)] { out.append(VRP(prefix: v6GroupPrefixes[Int(g)], maxLength: v.maxLength, asn: v.asn)) }
            }
        }
        return out.sorted { ($0.prefix, $0.asn, $0.maxLength) < ($1.prefix, $1.asn, $1.maxLength) }
    }
}
