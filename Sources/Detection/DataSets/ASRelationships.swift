import BGPWire
import Foundation

/// AS relationships from CAIDA's `as-rel` files: serial-1 lines `a|b|rel`, serial-2 lines `a|b|rel|source`,
/// `#` comments; `rel` -1 means a is a provider of b, 0 means a and b are peers. One immutable snapshot.
public struct ASRelationships: Sendable {
    /// How `a` relates to `b`.
    public enum Relation: Sendable, Hashable {
        case providerOf, customerOf, peer
    }

    /// Key: lower ASN in the high 32 bits; value: 1 = lower is provider, -1 = lower is customer, 0 = peers.
    private var links: [UInt64: Int8] = [:]
    public let source: String

    public var count: Int { links.count }

    public init(source: String = "", links: [(ASN, ASN, Relation)] = []) {
        self.source = source
        for (a, b, r) in links { set(a, b, r) }
    }

    private mutating func set(_ a: ASN, _ b: ASN, _ r: Relation) {
        let (low, high, flip) = a < b ? (a, b, false) : (b, a, true)
        var v: Int8
        switch r {
        case .providerOf: v = 1
        case .customerOf: v = -1
        case .peer: v = 0
        }
        if flip { v = -v }
        links[UInt64(low) << 32 | UInt64(high)] = v
    }

    /// How `a` relates to `b`, or `nil` when the file does not say.
    @inline(__always)
    public func relation(_ a: ASN, _ b: ASN) -> Relation? {
        let (low, high, flip) = a < b ? (a, b, false) : (b, a, true)
        guard let v = links[UInt64(low) << 32 | UInt64(high)] else { return nil }
        switch flip ? -v : v {
        case 1: return .providerOf
        case -1: return .customerOf
        default: return .peer
        }
    }

    public static func load(path: String) throws(ConfigErrors) -> ASRelationships {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([ConfigError(file: path, line: 0, field: "", "cannot read the file")])
        }
        return try parse(String(decoding: data, as: UTF8.self), file: name)
    }

    /// Parses as-rel text; every malformed line is reported (at most 50, then a count).
    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> ASRelationships {
        var result = ASRelationships(source: file)
        var errors: [ConfigError] = []
        var seen: [UInt64: Int] = [:]
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 3 || fields.count == 4 else {
                errors.append(ConfigError(file: file, line: lineNumber, field: "", "expected a|b|rel or a|b|rel|source"))
                continue
            }
            guard let a = ASN(fields[0]), let b = ASN(fields[1]), a != b else {
                errors.append(ConfigError(file: file, line: lineNumber, field: "asn", "'\(fields[0])|\(fields[1])' are not two distinct AS numbers"))
                continue
            }
            let relation: Relation
            switch fields[2] {
            case "-1": relation = .providerOf
            case "0": relation = .peer
            default:
                errors.append(ConfigError(file: file, line: lineNumber, field: "rel", "relationship '\(fields[2])' is not -1 (provider→customer) or 0 (peers)"))
                continue
            }
            let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
            if let first = seen[key], result.relation(a, b) != relation {
                errors.append(ConfigError(file: file, line: lineNumber, field: "rel", "AS\(a)–AS\(b) contradicts line \(first)"))
                continue
            }
            seen[key] = lineNumber
            result.set(a, b, relation)
        }
        guard errors.isEmpty else {
            var shown = Array(errors.prefix(50))
            if errors.count > 50 { shown.append(ConfigError(file: file, line: 0, field: "", "… \(errors.count - 50) more errors")) }
            throw ConfigErrors(shown)
        }
        return result
    }
}

/// The optional data sets detection can use (each one immutable, swapped as a whole on reload).
public struct DataSets: Sendable {
    public var asRelationships: ASRelationships?
    public var rpki: RPKIData?

    public init(asRelationships: ASRelationships? = nil, rpki: RPKIData? = nil) {
        self.asRelationships = asRelationships
        self.rpki = rpki
    }
}
