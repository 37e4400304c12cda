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
        return try parse(bytes: try ConfigNode.readBytes(path: path), file: name)
    }

    /// Parses as-rel text; every malformed line is reported (at most 50, then a count).
    /// Works on UTF-8 bytes: a CAIDA file has about 500,000 lines.
    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> ASRelationships {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// The same, from the file's bytes.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigErrors) -> ASRelationships {
        var result = ASRelationships(source: file)
        var errors: [ConfigError] = []
        var seen: [UInt64: Int] = [:]
        result.links.reserveCapacity(bytes.count / 16)
        seen.reserveCapacity(bytes.count / 16)
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            defer { start = end + 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            if stop == start || bytes[start] == UInt8(ascii: "#") { continue }
            func fail(_ field: String, _ message: String) {
                if errors.count <= 50 { errors.append(ConfigError(file: file, line: lineNumber, field: field, message)) }
            }
            // Fields: a | b | rel [| source]
            var fields: [(Int, Int)] = []
            var fieldStart = start
            for i in start...stop where i == stop || bytes[i] == UInt8(ascii: "|") {
                fields.append((fieldStart, i))
                fieldStart = i + 1
            }
            guard fields.count == 3 || fields.count == 4 else {
                fail("", "expected a|b|rel or a|b|rel|source")
                continue
            }
            func number(_ f: (Int, Int)) -> ASN? {
                guard f.1 > f.0, f.1 - f.0 <= 10 else { return nil }
                var v: UInt64 = 0
                for i in f.0..<f.1 {
                    let c = bytes[i]
                    guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                    v = v * 10 + UInt64(c - UInt8(ascii: "0"))
                }
                return v <= UInt64(UInt32.max) ? ASN(v) : nil
            }
            guard let a = number(fields[0]), let b = number(fields[1]), a != b else {
                fail("asn", "'\(String(decoding: bytes[start..<fields[1].1], as: UTF8.self))' are not two distinct AS numbers")
                continue
            }
            let relText = bytes[fields[2].0..<fields[2].1]
            let relation: Relation
            if relText.elementsEqual("-1".utf8) {
                relation = .providerOf
            } else if relText.elementsEqual("0".utf8) {
                relation = .peer
            } else {
                fail("rel", "relationship '\(String(decoding: relText, as: UTF8.self))' is not -1 (provider→customer) or 0 (peers)")
                continue
            }
            let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
            if let first = seen[key], result.relation(a, b) != relation {
                fail("rel", "AS\(a)–AS\(b) contradicts line \(first)")
                continue
            }
            seen[key] = lineNumber
            result.set(a, b, relation)
        }
        guard errors.isEmpty else {
            var shown = Array(errors.prefix(50))
            if errors.count > 50 { shown.append(ConfigError(file: file, line: 0, field: "", "… more errors")) }
            throw ConfigErrors(shown)
        }
        return result
    }
}

