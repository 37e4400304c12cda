import BGPWire
import Foundation
import Yams

/// Loads and validates `prefixes.yaml` (docs/DETECTION.md, "The registry"): every mistake is reported with
/// file, line and field, and nothing half-valid is returned.
public enum RegistryLoader {
    public static func load(path: String) throws(ConfigErrors) -> Registry {
        let bytes = try ConfigNode.readUTF8(path: path)
        return try parse(utf8: bytes, file: (path as NSString).lastPathComponent)
    }

    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> Registry {
        try parse(utf8: Array(text.utf8), file: file)
    }

    /// `parse` of the bytes of a file that `ConfigNode.readUTF8` read (valid UTF-8).
    static func parse(utf8 bytes: [UInt8], file: String) throws(ConfigErrors) -> Registry {
        let (root, top) = try ConfigNode.parseMapping(utf8: bytes, file: file, expected: "version, prefixes, …")
        var fields = YAMLFields(file: file)
        let known: Set<String> = ["version", "monitoredASNs", "asns", "partners", "prefixes"]
        fields.rejectUnknown(top, known: known, path: "")
        var version = 1
        if let v = root["version"], let n = fields.int(v, "version") {
            if n != 1 { fields.fail(v, "version", "unsupported version \(n) (this build reads 1)") }
            version = n
        }
        let monitored = Set(root["monitoredASNs"].map { fields.asnList($0, "monitoredASNs") } ?? [])
        var names: [ASN: String] = [:]
        if let asns = root["asns"] {
            if case .map(let m, _) = asns {
                for entry in m {
                    guard let asn = fields.asn(.scalar(entry.key, line: entry.keyLine), "asns") else { continue }
                    names[asn] = fields.string(entry.value, "asns.\(asn)")
                }
            } else {
                fields.fail(asns, "asns", "expected a mapping ASN: name")
            }
        }
        let partners = root["partners"].map { parsePartners($0, &fields) } ?? []
        let partnerASNs = Set(partners.map(\.asn))
        var prefixes: [RegisteredPrefix] = []
        if let list = root["prefixes"] {
            prefixes = parsePrefixes(list, partners: partnerASNs, &fields)
        } else {
            fields.fail(root, "prefixes", "missing: the registry must list the prefixes it protects")
        }
        guard fields.errors.isEmpty else { throw ConfigErrors(fields.errors) }
        return Registry(version: version, monitoredASNs: monitored, asNames: names, partners: partners, prefixes: prefixes,
                        source: file)
    }

    private static func parsePartners(_ node: ConfigNode, _ fields: inout YAMLFields) -> [Partner] {
        guard case .list(let seq, _) = node else {
            fields.fail(node, "partners", "expected a list")
            return []
        }
        var out: [Partner] = []
        var seen: [ASN: Int] = [:]
        for (i, item) in seq.enumerated() {
            func path() -> String { "partners[\(i)]" }
            guard case .map(let m, _) = item else {
                fields.fail(item, path(), "expected a mapping with asn, name, customers")
                continue
            }
            fields.rejectUnknown(m, known: ["asn", "name", "customers"], path: path())
            guard let asnNode = item["asn"] else {
                fields.fail(item, "\(path()).asn", "missing")
                continue
            }
            guard let asn = fields.asn(asnNode, "\(path()).asn") else { continue }
            if let first = seen[asn] {
                fields.fail(asnNode, "\(path()).asn", "partner AS\(asn) is already declared at line \(first)")
            }
            seen[asn] = asnNode.line
            let name = item["name"].flatMap { fields.string($0, "\(path()).name") }
            let customers = item["customers"].map { Set(fields.asnList($0, "\(path()).customers")) }
            out.append(Partner(asn: asn, name: name, customers: customers))
        }
        return out
    }

    private static func parsePrefixes(_ node: ConfigNode, partners: Set<ASN>, _ fields: inout YAMLFields) -> [RegisteredPrefix] {
        guard case .list(let seq, _) = node else {
            fields.fail(node, "prefixes", "expected a list")
            return []
        }
        let known = ["prefix", "origins", "maxLength", "upstreams", "group", "description", "partner", "maxPathLength"]
        var out: [RegisteredPrefix] = []
        out.reserveCapacity(seq.count)
        var firstLine: [IPPrefix: Int] = [:]
        firstLine.reserveCapacity(seq.count)
        for (i, item) in seq.enumerated() {
            func path() -> String { "prefixes[\(i)]" }
            guard case .map(let m, let line) = item else {
                fields.fail(item, path(), "expected a mapping with prefix, origins, …")
                continue
            }
            fields.rejectUnknown(m, known: known, path: path())
            guard let prefixNode = item["prefix"] else {
                fields.fail(item, "\(path()).prefix", "missing")
                continue
            }
            guard let text = fields.string(prefixNode, "\(path()).prefix") else { continue }
            guard let prefix = IPPrefix(text) else {
                if IPPrefix(text, allowHostBits: true) != nil {
                    fields.fail(prefixNode, "\(path()).prefix", "\(text) has host bits set beyond its length")
                } else {
                    fields.fail(prefixNode, "\(path()).prefix", "\(text) is not an IPv4 or IPv6 prefix")
                }
                continue
            }
            if let first = firstLine[prefix] {
                fields.fail(prefixNode, "\(path()).prefix", "duplicate prefix \(prefix) (first at line \(first))")
                continue
            }
            firstLine[prefix] = prefixNode.line
            guard let originsNode = item["origins"] else {
                fields.fail(item, "\(path()).origins", "missing (use [] for a prefix that must never be announced)")
                continue
            }
            let origins = fields.asnList(originsNode, "\(path()).origins")
            let maxBits: Int = prefix.isIPv4 ? 32 : 128
            var maxLength = prefix.length
            if let ml = item["maxLength"], let n = fields.int(ml, "\(path()).maxLength") {
                if n < Int(prefix.length) {
                    fields.fail(ml, "\(path()).maxLength", "maxLength \(n) is shorter than the prefix length \(prefix.length)")
                } else if n > maxBits {
                    fields.fail(ml, "\(path()).maxLength", "maxLength \(n) is longer than \(maxBits)")
                } else {
                    maxLength = UInt8(n)
                }
            }
            let upstreams = item["upstreams"].map { fields.asnList($0, "\(path()).upstreams") }
            var partner: ASN?
            if let p = item["partner"], let asn = fields.asn(p, "\(path()).partner") {
                if partners.contains(asn) {
                    partner = asn
                } else {
                    fields.fail(p, "\(path()).partner", "partner AS\(asn) is not declared under partners")
                }
            }
            var maxPathLength: Int?
            if let mpl = item["maxPathLength"], let n = fields.int(mpl, "\(path()).maxPathLength") {
                if n < 1 { fields.fail(mpl, "\(path()).maxPathLength", "must be at least 1") } else { maxPathLength = n }
            }
            out.append(RegisteredPrefix(
                prefix: prefix, origins: origins.sorted(), maxLength: maxLength, upstreams: upstreams?.sorted(),
                group: item["group"].flatMap { fields.string($0, "\(path()).group") },
                description: item["description"].flatMap { fields.string($0, "\(path()).description") },
                partner: partner, maxPathLength: maxPathLength, line: line))
        }
        return out
    }
}

/// Typed reads of YAML nodes that record a located error instead of throwing (registry and daemon config).
/// Field names are built only when a read fails (`@autoclosure`): a 100,000-entry registry would otherwise
/// build half a million strings it never shows.
public struct YAMLFields {
    public let file: String
    public var errors: [ConfigError] = []

    public init(file: String) { self.file = file }

    public mutating func fail(_ node: ConfigNode, _ field: @autoclosure () -> String, _ message: String) {
        errors.append(ConfigError(file: file, line: node.line, field: field(), message))
    }

    /// Records every key of `mapping` not in `known` (a `Set`, or for a few keys per entry an `Array`: comparing
    /// short strings costs less than hashing them).
    public mutating func rejectUnknown(_ mapping: [(key: String, keyLine: Int, value: ConfigNode)], known: some Collection<String>,
                                       path: @autoclosure () -> String) {
        for entry in mapping where !known.contains(entry.key) {
            let parent = path()
            let where_ = parent.isEmpty ? entry.key : "\(parent).\(entry.key)"
            errors.append(ConfigError(file: file, line: entry.keyLine, field: where_,
                                      "unknown key (expected one of: \(known.sorted().joined(separator: ", ")))"))
        }
    }

    public mutating func string(_ node: ConfigNode, _ field: @autoclosure () -> String) -> String? {
        guard case .scalar(let s, _) = node else {
            fail(node, field(), "expected a text value")
            return nil
        }
        return s
    }

    public mutating func int(_ node: ConfigNode, _ field: @autoclosure () -> String) -> Int? {
        guard case .scalar(let s, _) = node, let n = Int(s) else {
            fail(node, field(), "expected a whole number")
            return nil
        }
        return n
    }

    /// An ASN written as a number or as `AS64500`.
    public mutating func asn(_ node: ConfigNode, _ field: @autoclosure () -> String) -> ASN? {
        guard case .scalar(let s, _) = node else {
            fail(node, field(), "expected an AS number")
            return nil
        }
        if let n = Self.plainASN(s) { return n }
        var text = Substring(s)
        if text.hasPrefix("AS") || text.hasPrefix("as") { text = text.dropFirst(2) }
        guard let n = UInt32(text) else {
            fail(node, field(), "\(s) is not an AS number (0…4294967295)")
            return nil
        }
        return n
    }

    /// `s` as an ASN when it is 1 to 10 plain digits within 32 bits, the usual form (a registry lists two or
    /// three per prefix), read without the Substring `asn` makes for the `AS64500` form.
    private static func plainASN(_ s: String) -> ASN? {
        var s = s
        return s.withUTF8 { bytes in
            var i = 0
            guard let value = DecimalDigits.read(bytes, at: &i), i == bytes.count, value <= UInt64(UInt32.max) else { return nil }
            return ASN(value)
        }
    }

    public mutating func asnList(_ node: ConfigNode, _ field: @autoclosure () -> String) -> [ASN] {
        guard case .list(let seq, _) = node else {
            fail(node, field(), "expected a list of AS numbers, e.g. [8075]")
            return []
        }
        var out: [ASN] = []
        for (i, item) in seq.enumerated() {
            if let a = asn(item, "\(field())[\(i)]") { out.append(a) }
        }
        return out
    }

    /// The line a Yams parse error points at, when it says.
    /// (Yams is only used for files outside the fast reader's subset.)
    public static func line(of error: Error) -> Int {
        if let e = error as? YamlError {
            switch e {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: return 0
            }
        }
        return 0
    }
}
