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

/// The RPKI data set: VRPs in a longest-prefix trie per family, plus ASPA records (customer → providers),
/// loaded from rpki-client (`-j`) or Routinator (`json`/`jsonext`) output, with RFC 8416 SLURM applied.
public struct RPKIData: Sendable {
    private var v4 = PrefixTrie()
    private var v6 = PrefixTrie()
    /// VRPs grouped by prefix; the trie values index this.
    private var groups: [[(asn: ASN, maxLength: UInt8)]] = []
    private var groupPrefixes: [IPPrefix] = []
    private var groupIndex: [IPPrefix: Int32] = [:]
    public private(set) var vrpCount = 0
    /// ASPA: customer AS → its authorised provider ASes (draft-ietf-sidrops-aspa-profile).
    public private(set) var aspas: [ASN: Set<ASN>] = [:]
    public let source: String

    public init(source: String = "", vrps: [VRP] = [], aspas: [ASN: Set<ASN>] = [:]) {
        self.source = source
        self.aspas = aspas
        for v in vrps { add(v) }
    }

    mutating func add(_ v: VRP) {
        if let g = groupIndex[v.prefix] {
            guard !groups[Int(g)].contains(where: { $0.asn == v.asn && $0.maxLength == v.maxLength }) else { return }
            groups[Int(g)].append((v.asn, v.maxLength))
        } else {
            let g = Int32(groups.count)
            groups.append([(v.asn, v.maxLength)])
            groupPrefixes.append(v.prefix)
            groupIndex[v.prefix] = g
            if v.prefix.isIPv4 { v4.insert(PrefixTrie.Key(v.prefix), value: g) } else { v6.insert(PrefixTrie.Key(v.prefix), value: g) }
        }
        vrpCount += 1
    }

    /// RFC 6811 §2: Valid when a covering VRP matches the origin and the length; Invalid when VRPs cover the
    /// prefix but none matches (an AS_SET origin — `nil` — never matches); NotFound when none covers it.
    @inline(__always)
    public func validate(_ prefix: IPPrefix, origin: ASN?) -> ROVState {
        var covered = false
        var valid = false
        let key = PrefixTrie.Key(prefix)
        let length = prefix.length
        // A closure literal at the call is non-escaping: its captures stay on the stack (no allocation per prefix).
        (prefix.isIPv4 ? v4 : v6).forEachCovering(key) { g in
            covered = true
            guard !valid, let origin else { return }
            for v in groups[Int(g)] where v.asn == origin && v.asn != 0 && length <= v.maxLength {
                valid = true
                return
            }
        }
        return valid ? .valid : (covered ? .invalid : .notFound)
    }

    /// The VRPs covering `prefix`, for alert text.
    public func covering(_ prefix: IPPrefix) -> [VRP] {
        var out: [VRP] = []
        let key = PrefixTrie.Key(prefix)
        let visit: (Int32) -> Void = { g in
            for v in groups[Int(g)] { out.append(VRP(prefix: groupPrefixes[Int(g)], maxLength: v.maxLength, asn: v.asn)) }
        }
        if prefix.isIPv4 { v4.forEachCovering(key, visit) } else { v6.forEachCovering(key, visit) }
        return out.sorted { ($0.prefix, $0.asn, $0.maxLength) < ($1.prefix, $1.asn, $1.maxLength) }
    }
}
