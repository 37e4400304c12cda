import BGPWire
import Foundation
import Yams

/// Loads and validates `prefixes.yaml` (docs/DETECTION.md, "The registry"): every mistake is reported with
/// file, line and field, and nothing half-valid is returned.
public enum RegistryLoader {
    public static func load(path: String) throws(ConfigErrors) -> Registry {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([ConfigError(file: path, line: 0, field: "", "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors([ConfigError(file: name, line: 0, field: "", "not UTF-8 text")])
        }
        return try parse(text, file: name)
    }

    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> Registry {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigErrors([ConfigError(file: file, line: YAMLFields.line(of: error), field: "", "YAML syntax: \(error)")])
        }
        var fields = YAMLFields(file: file)
        guard let root, case .mapping(let top) = root else {
            throw ConfigErrors([ConfigError(file: file, line: root?.mark?.line ?? 0, field: "", "expected a mapping with version, prefixes, …")])
        }
        let known: Set<String> = ["version", "monitoredASNs", "asns", "partners", "prefixes"]
        fields.rejectUnknown(top, known: known, path: "")
        var version = 1
        if let v = top["version"] {
            if let n = fields.int(v, "version"), n != 1 { fields.fail(v, "version", "unsupported version \(n) (this build reads 1)") }
            version = v.int ?? 1
        }
        let monitored = Set(top["monitoredASNs"].map { fields.asnList($0, "monitoredASNs") } ?? [])
        var names: [ASN: String] = [:]
        if let asns = top["asns"] {
            if case .mapping(let m) = asns {
                for (k, v) in m {
                    guard let asn = fields.asn(k, "asns") else { continue }
                    names[asn] = fields.string(v, "asns.\(asn)")
                }
            } else {
                fields.fail(asns, "asns", "expected a mapping ASN: name")
            }
        }
        let partners = top["partners"].map { parsePartners($0, &fields) } ?? []
        let partnerASNs = Set(partners.map(\.asn))
        var prefixes: [RegisteredPrefix] = []
        if let list = top["prefixes"] {
            prefixes = parsePrefixes(list, partners: partnerASNs, &fields)
        } else {
            fields.fail(root, "prefixes", "missing: the registry must list the prefixes it protects")
        }
        guard fields.errors.isEmpty else { throw ConfigErrors(fields.errors) }
        return Registry(version: version, monitoredASNs: monitored, asNames: names, partners: partners, prefixes: prefixes,
                        source: file)
    }

    private static func parsePartners(_ node: Node, _ fields: inout YAMLFields) -> [Partner] {
        guard case .sequence(let seq) = node else {
            fields.fail(node, "partners", "expected a list")
            return []
        }
        var out: [Partner] = []
        var seen: [ASN: Int] = [:]
        for (i, item) in seq.enumerated() {
            let path = "partners[\(i)]"
            guard case .mapping(let m) = item else {
                fields.fail(item, path, "expected a mapping with asn, name, customers")
                continue
            }
            fields.rejectUnknown(m, known: ["asn", "name", "customers"], path: path)
            guard let asnNode = m["asn"] else {
                fields.fail(item, "\(path).asn", "missing")
                continue
            }
            guard let asn = fields.asn(asnNode, "\(path).asn") else { continue }
            if let first = seen[asn] {
                fields.fail(asnNode, "\(path).asn", "partner AS\(asn) is already declared at line \(first)")
            }
            seen[asn] = asnNode.mark?.line ?? 0
            let name = m["name"].flatMap { fields.string($0, "\(path).name") }
            let customers = m["customers"].map { Set(fields.asnList($0, "\(path).customers")) }
            out.append(Partner(asn: asn, name: name, customers: customers))
        }
        return out
    }

    private static func parsePrefixes(_ node: Node, partners: Set<ASN>, _ fields: inout YAMLFields) -> [RegisteredPrefix] {
        guard case .sequence(let seq) = node else {
            fields.fail(node, "prefixes", "expected a list")
            return []
        }
        let known: Set<String> = ["prefix", "origins", "maxLength", "upstreams", "group", "description", "partner", "maxPathLength"]
        var out: [RegisteredPrefix] = []
        out.reserveCapacity(seq.count)
        var firstLine: [IPPrefix: Int] = [:]
        firstLine.reserveCapacity(seq.count)
        for (i, item) in seq.enumerated() {
            let path = "prefixes[\(i)]"
            guard case .mapping(let m) = item else {
                fields.fail(item, path, "expected a mapping with prefix, origins, …")
                continue
            }
            fields.rejectUnknown(m, known: known, path: path)
            let line = item.mark?.line ?? 0
            guard let prefixNode = m["prefix"] else {
                fields.fail(item, "\(path).prefix", "missing")
                continue
            }
            guard let text = fields.string(prefixNode, "\(path).prefix") else { continue }
            guard let prefix = IPPrefix(text) else {
                if IPPrefix(text, allowHostBits: true) != nil {
                    fields.fail(prefixNode, "\(path).prefix", "\(text) has host bits set beyond its length")
                } else {
                    fields.fail(prefixNode, "\(path).prefix", "\(text) is not an IPv4 or IPv6 prefix")
                }
                continue
            }
            if let first = firstLine[prefix] {
                fields.fail(prefixNode, "\(path).prefix", "duplicate prefix \(prefix) (first at line \(first))")
                continue
            }
            firstLine[prefix] = prefixNode.mark?.line ?? line
            guard let originsNode = m["origins"] else {
                fields.fail(item, "\(path).origins", "missing (use [] for a prefix that must never be announced)")
                continue
            }
            let origins = fields.asnList(originsNode, "\(path).origins")
            let maxBits: Int = prefix.isIPv4 ? 32 : 128
            var maxLength = prefix.length
            if let ml = m["maxLength"], let n = fields.int(ml, "\(path).maxLength") {
                if n < Int(prefix.length) {
                    fields.fail(ml, "\(path).maxLength", "maxLength \(n) is shorter than the prefix length \(prefix.length)")
                } else if n > maxBits {
                    fields.fail(ml, "\(path).maxLength", "maxLength \(n) is longer than \(maxBits)")
                } else {
                    maxLength = UInt8(n)
                }
            }
            let upstreams = m["upstreams"].map { fields.asnList($0, "\(path).upstreams") }
            var partner: ASN?
            if let p = m["partner"], let asn = fields.asn(p, "\(path).partner") {
                if partners.contains(asn) {
                    partner = asn
                } else {
                    fields.fail(p, "\(path).partner", "partner AS\(asn) is not declared under partners")
                }
            }
            var maxPathLength: Int?
            if let mpl = m["maxPathLength"], let n = fields.int(mpl, "\(path).maxPathLength") {
                if n < 1 { fields.fail(mpl, "\(path).maxPathLength", "must be at least 1") } else { maxPathLength = n }
            }
            out.append(RegisteredPrefix(
                prefix: prefix, origins: origins.sorted(), maxLength: maxLength, upstreams: upstreams?.sorted(),
                group: m["group"].flatMap { fields.string($0, "\(path).group") },
                description: m["description"].flatMap { fields.string($0, "\(path).description") },
                partner: partner, maxPathLength: maxPathLength, line: line))
        }
        return out
    }
}

/// Typed reads of YAML nodes that record a located error instead of throwing.
struct YAMLFields {
    let file: String
    var errors: [ConfigError] = []

    init(file: String) { self.file = file }

    mutating func fail(_ node: Node, _ field: String, _ message: String) {
        errors.append(ConfigError(file: file, line: node.mark?.line ?? 0, field: field, message))
    }

    mutating func rejectUnknown(_ mapping: Node.Mapping, known: Set<String>, path: String) {
        for (k, _) in mapping {
            guard let key = k.string else {
                fail(k, path, "keys must be strings")
                continue
            }
            if !known.contains(key) {
                let where_ = path.isEmpty ? key : "\(path).\(key)"
                fail(k, where_, "unknown key (expected one of: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    mutating func string(_ node: Node, _ field: String) -> String? {
        guard case .scalar(let s) = node else {
            fail(node, field, "expected a text value")
            return nil
        }
        return s.string
    }

    mutating func int(_ node: Node, _ field: String) -> Int? {
        guard case .scalar(let s) = node, let n = Int(s.string) else {
            fail(node, field, "expected a whole number")
            return nil
        }
        return n
    }

    /// An ASN written as a number or as `AS64500`.
    mutating func asn(_ node: Node, _ field: String) -> ASN? {
        guard case .scalar(let s) = node else {
            fail(node, field, "expected an AS number")
            return nil
        }
        var text = s.string
        if text.hasPrefix("AS") || text.hasPrefix("as") { text.removeFirst(2) }
        guard let n = UInt32(text) else {
            fail(node, field, "\(s.string) is not an AS number (0…4294967295)")
            return nil
        }
        return n
    }

    mutating func asnList(_ node: Node, _ field: String) -> [ASN] {
        guard case .sequence(let seq) = node else {
            fail(node, field, "expected a list of AS numbers, e.g. [8075]")
            return []
        }
        var out: [ASN] = []
        for (i, item) in seq.enumerated() {
            if let a = asn(item, "\(field)[\(i)]") { out.append(a) }
        }
        return out
    }

    /// The line a Yams parse error points at, when it says.
    static func line(of error: Error) -> Int {
        if let e = error as? YamlError {
            switch e {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: return 0
            }
        }
        return 0
    }
}
