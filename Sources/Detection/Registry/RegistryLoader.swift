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

    /// `parse` of the bytes of a file that `ConfigNode.readUTF8` read (valid UTF-8). The fast reader hands the
    /// `prefixes` entries over one by one, each validated as it comes (`PrefixListReader`); a file outside its
    /// subset goes through Yams and the same validation of the whole tree.
    /// With `plainEntries` (tests turn it off to compare), entries in the usual plain form are read straight from
    /// their lines (`PrefixListReader.addPlain`) instead of through a node each.
    static func parse(utf8 bytes: [UInt8], file: String, plainEntries: Bool = true) throws(ConfigErrors) -> Registry {
        let streamed = PrefixListReader(file: file)
        let stream = FastYAML.ListStream(key: "prefixes",
                                         willStart: { streamed.begin(topLevelSoFar: $0, itemCount: $1) },
                                         item: { streamed.add($0) },
                                         plainItem: plainEntries
                                             ? { streamed.addPlain(bytes: $0, first: $1, more: $2) } : nil)
        if let root = FastYAML.parse(utf8: bytes, streaming: stream) {
            guard case .map(let entries, _) = root else {
                let message = "expected a mapping with version, prefixes, …"
                throw ConfigErrors([ConfigError(file: file, line: root.line, field: "", message)])
            }
            return try validate(root: root, top: entries, file: file, streamed: streamed.hasBegun ? streamed : nil)
        }
        let (root, top) = try ConfigNode.parseMapping(utf8: bytes, file: file, expected: "version, prefixes, …")
        return try validate(root: root, top: top, file: file, streamed: nil)
    }

    /// Validates a registry document; `streamed` holds its `prefixes` entries when the reader handed them over
    /// (its tree then has an empty list there). Errors come in the order of the document's sections.
    private static func validate(root: ConfigNode, top: [(key: String, keyLine: Int, value: ConfigNode)], file: String,
                                 streamed: PrefixListReader?) throws(ConfigErrors) -> Registry {
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
        if let streamed {
            prefixes = streamed.finish(partners: partnerASNs, into: &fields)
        } else if let list = root["prefixes"] {
            prefixes = parsePrefixes(list, partners: partnerASNs, &fields)
        } else {
            fields.fail(root, "prefixes", "missing: the registry must list the prefixes it protects")
        }
        guard fields.errors.isEmpty else { throw ConfigErrors(fields.errors) }
        return Registry(version: version, monitoredASNs: monitored, asNames: names, partners: partners, prefixes: prefixes,
                        source: file)
    }

    static func parsePartners(_ node: ConfigNode, _ fields: inout YAMLFields) -> [Partner] {
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

    /// The `prefixes` list of a whole tree (a file read through Yams): the same validation as for streamed entries.
    private static func parsePrefixes(_ node: ConfigNode, partners: Set<ASN>, _ fields: inout YAMLFields) -> [RegisteredPrefix] {
        guard case .list(let seq, _) = node else {
            fields.fail(node, "prefixes", "expected a list")
            return []
        }
        let reader = PrefixListReader(file: fields.file)
        reader.reserve(itemCount: seq.count)
        for item in seq { reader.add(item) }
        return reader.finish(partners: partners, into: &fields)
    }

    /// The keys of a `prefixes` entry, in the order the unknown-key message lists them.
    static let prefixEntryKeys = [
        "description", "group", "maxLength", "maxPathLength", "origins", "partner", "prefix", "upstreams",
    ]

    /// Validates entry `index` of `prefixes`; `firstLine` holds the line of each prefix seen so far (duplicates).
    /// The entry's keys are sorted out in one pass (the first of a repeated key counts, as `ConfigNode`'s
    /// subscript has it).
    static func parsePrefixEntry(_ item: ConfigNode, index i: Int, partners: Set<ASN>, firstLine: inout [IPPrefix: Int],
                                 _ fields: inout YAMLFields) -> RegisteredPrefix? {
        func path() -> String { "prefixes[\(i)]" }
        guard case .map(let m, let line) = item else {
            fields.fail(item, path(), "expected a mapping with prefix, origins, …")
            return nil
        }
        var prefixNode, originsNode, maxLengthNode, upstreamsNode, groupNode, descriptionNode, partnerNode,
            maxPathLengthNode: ConfigNode?
        func take(_ slot: inout ConfigNode?, _ value: ConfigNode) { if slot == nil { slot = value } }
        for entry in m {
            switch entry.key {
            case "prefix": take(&prefixNode, entry.value)
            case "origins": take(&originsNode, entry.value)
            case "maxLength": take(&maxLengthNode, entry.value)
            case "group": take(&groupNode, entry.value)
            case "upstreams": take(&upstreamsNode, entry.value)
            case "description": take(&descriptionNode, entry.value)
            case "partner": take(&partnerNode, entry.value)
            case "maxPathLength": take(&maxPathLengthNode, entry.value)
            default:
                let expected = prefixEntryKeys.joined(separator: ", ")
                let field = "\(path()).\(entry.key)"
                fields.errors.append(ConfigError(file: fields.file, line: entry.keyLine, field: field,
                                                 "unknown key (expected one of: \(expected))"))
            }
        }
        guard let prefixNode else {
            fields.fail(item, "\(path()).prefix", "missing")
            return nil
        }
        guard let text = fields.string(prefixNode, "\(path()).prefix") else { return nil }
        guard let prefix = IPPrefix(text) else {
            if IPPrefix(text, allowHostBits: true) != nil {
                fields.fail(prefixNode, "\(path()).prefix", "\(text) has host bits set beyond its length")
            } else {
                fields.fail(prefixNode, "\(path()).prefix", "\(text) is not an IPv4 or IPv6 prefix")
            }
            return nil
        }
        if let first = firstLine[prefix] {
            fields.fail(prefixNode, "\(path()).prefix", "duplicate prefix \(prefix) (first at line \(first))")
            return nil
        }
        firstLine[prefix] = prefixNode.line
        guard let originsNode else {
            fields.fail(item, "\(path()).origins", "missing (use [] for a prefix that must never be announced)")
            return nil
        }
        let origins = fields.asnList(originsNode, "\(path()).origins")
        let maxBits: Int = prefix.isIPv4 ? 32 : 128
        var maxLength = prefix.length
        if let ml = maxLengthNode, let n = fields.int(ml, "\(path()).maxLength") {
            if n < Int(prefix.length) {
                let message = "maxLength \(n) is shorter than the prefix length \(prefix.length)"
                fields.fail(ml, "\(path()).maxLength", message)
            } else if n > maxBits {
                fields.fail(ml, "\(path()).maxLength", "maxLength \(n) is longer than \(maxBits)")
            } else {
                maxLength = UInt8(n)
            }
        }
        let upstreams = upstreamsNode.map { fields.asnList($0, "\(path()).upstreams") }
        var partner: ASN?
        if let p = partnerNode, let asn = fields.asn(p, "\(path()).partner") {
            if partners.contains(asn) {
                partner = asn
            } else {
                fields.fail(p, "\(path()).partner", "partner AS\(asn) is not declared under partners")
            }
        }
        var maxPathLength: Int?
        if let mpl = maxPathLengthNode, let n = fields.int(mpl, "\(path()).maxPathLength") {
            if n < 1 { fields.fail(mpl, "\(path()).maxPathLength", "must be at least 1") } else { maxPathLength = n }
        }
        return RegisteredPrefix(
            prefix: prefix, origins: origins.sorted(), maxLength: maxLength, upstreams: upstreams?.sorted(),
            group: groupNode.flatMap { fields.string($0, "\(path()).group") },
            description: descriptionNode.flatMap { fields.string($0, "\(path()).description") },
            partner: partner, maxPathLength: maxPathLength, line: line)
    }

    /// The `prefixes` entries, as `FastYAML` hands them over or from a whole tree: each is validated as it comes
    /// when the partners were declared before the list (the usual order, and the example's), else kept until
    /// `finish`. Only the
    /// partner check needs the partners; their errors are reported with the partners section, not here.
    final class PrefixListReader {
        let file: String
        private(set) var hasBegun = false
        /// Declared partners, when known before the list.
        private var partners: Set<ASN>?
        private var fields: YAMLFields
        private var entries: [RegisteredPrefix] = []
        private var firstLine: [IPPrefix: Int] = [:]
        private var held: [ConfigNode] = []
        private var validated = 0

        init(file: String) {
            self.file = file
            fields = YAMLFields(file: file)
        }

        /// The list of `itemCount` entries starts; `topLevelSoFar` are the top-level entries before it.
        func begin(topLevelSoFar: [(key: String, keyLine: Int, value: ConfigNode)], itemCount: Int) {
            hasBegun = true
            reserve(itemCount: itemCount)
            if let node = topLevelSoFar.first(where: { $0.key == "partners" })?.value {
                var scratch = YAMLFields(file: file)  // the partners' own errors are reported by `validate`
                partners = Set(RegistryLoader.parsePartners(node, &scratch).map(\.asn))
            }
        }

        /// Sizes the tables once for `itemCount` entries: grown by doubling, a 10,000-entry list copied its
        /// entries into fresh pages a dozen times, and the duplicate table rehashed as often.
        func reserve(itemCount: Int) {
            entries.reserveCapacity(itemCount)
            firstLine.reserveCapacity(itemCount)
        }

        func add(_ item: ConfigNode) {
            if let partners { validate(item, partners: partners) } else { held.append(item) }
        }

        /// Reads an entry in the usual form straight from its lines (`PlainPrefixEntry`) into the same
        /// `RegisteredPrefix` as `add` makes of its node; `false` (nothing recorded) for any other entry, for a
        /// duplicate prefix and while the partners are not known (entries are held in order then), and the entry
        /// then comes to `add` as a node, which reports what is wrong where it is. A 10,000-entry registry spent
        /// two thirds of its load on the nodes.
        func addPlain(bytes: [UInt8], first: FastYAML.Line, more: ArraySlice<FastYAML.Line>) -> Bool {
            guard partners != nil, let entry = PlainPrefixEntry(bytes, first: first, more: more),
                firstLine[entry.prefix] == nil
            else { return false }
            firstLine[entry.prefix] = entry.prefixLine
            entries.append(entry.registered(line: first.number))
            validated += 1
            return true
        }

        /// The validated entries; their errors are appended to `into`.
        func finish(partners declared: Set<ASN>, into errors: inout YAMLFields) -> [RegisteredPrefix] {
            let waiting = held
            held = []
            for item in waiting { validate(item, partners: declared) }
            errors.errors += fields.errors
            return entries
        }

        /// Validates the next entry (entries are held only when no partners were known at the start, so the
        /// count of entries validated so far is the entry's index either way).
        private func validate(_ item: ConfigNode, partners: Set<ASN>) {
            let entry = RegistryLoader.parsePrefixEntry(item, index: validated, partners: partners, firstLine: &firstLine,
                                                         &fields)
            if let entry { entries.append(entry) }
            validated += 1
        }
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
