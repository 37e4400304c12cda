import BGPWire
import Foundation

/// Reads validated RPKI payloads as JSON — rpki-client `-j` (`roas` with `asn` as number or "AS…", `prefix`,
/// `maxLength`; `aspas` with `customer_asid` and `providers`) or Routinator `json`/`jsonext` (`roas` with
/// "AS…" strings; `aspas` with `customer` and `providers`) — and applies RFC 8416 SLURM local exceptions.
/// Mistakes are reported with the file, the line of the offending value and its JSON path.
public enum RPKILoader {
    public static func load(path: String, slurmPath: String? = nil) throws(ConfigErrors) -> RPKIData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([ConfigError(file: path, line: 0, field: "", "cannot read the file")])
        }
        let name = (path as NSString).lastPathComponent
        var (vrps, aspas) = try parsePayloads(bytes: [UInt8](data), file: name)
        if let slurmPath {
            let (slurmText, slurmName) = try read(slurmPath)
            let slurm = try SLURM.parse(slurmText, file: slurmName)
            vrps = slurm.apply(to: vrps)
        }
        return RPKIData(source: name, vrps: vrps, aspas: aspas)
    }

    /// The text and file name of `path`.
    public static func readFile(_ path: String) throws(ConfigErrors) -> (String, String) { try read(path) }

    static func read(_ path: String) throws(ConfigErrors) -> (String, String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([ConfigError(file: path, line: 0, field: "", "cannot read the file")])
        }
        return (String(decoding: data, as: UTF8.self), (path as NSString).lastPathComponent)
    }

    public static func parsePayloads(_ text: String, file: String) throws(ConfigErrors) -> ([VRP], [ASN: Set<ASN>]) {
        try parsePayloads(bytes: Array(text.utf8), file: file)
    }

    /// The same, from the file's bytes (no text copy of a 60 MB file).
    public static func parsePayloads(bytes: [UInt8], file: String) throws(ConfigErrors) -> ([VRP], [ASN: Set<ASN>]) {
        var scanner = JSONScanner(bytes)
        var errors: [ConfigError] = []
        var vrps: [VRP] = []
        var aspas: [ASN: Set<ASN>] = [:]
        var sawROAs = false
        // Reads `bytes`, not `scanner`: it runs while the scanner is being mutated.
        func located(_ offset: Int, _ field: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: JSONScanner.line(of: offset, in: bytes), field: field, message)
        }
        do throws(JSONScanner.Failure) {
            try scanner.forEachKey { s, key throws(JSONScanner.Failure) in
                switch key {
                case "roas":
                    sawROAs = true
                    var i = 0
                    try s.forEachElement { s throws(JSONScanner.Failure) in
                        defer { i += 1 }
                        _ = s.peek()  // skip whitespace so `at` is the object's first byte
                        let at = s.index
                        var asn: ASN?, asnSeen = false, prefix: IPPrefix?, prefixText: String?, maxLength: Double?
                        try s.forEachKey { s, key throws(JSONScanner.Failure) in
                            switch key {
                            case "asn":
                                asnSeen = true
                                asn = try s.asn()
                            case "prefix":
                                // Bytes straight to a prefix; a String only for escaped text or an error message.
                                if let raw = try s.rawString() {
                                    prefix = IPPrefix(utf8: raw)
                                    if prefix == nil { prefixText = String(decoding: raw, as: UTF8.self) }
                                } else {
                                    prefixText = try s.string()
                                    prefix = prefixText.flatMap { IPPrefix($0) }
                                }
                            case "maxLength": maxLength = try s.number()
                            default: try s.skipValue()
                            }
                        }
                        guard errors.count < 50 else { return }
                        guard let prefix else {
                            errors.append(located(at, "roas[\(i)].prefix", "\(prefixText ?? "missing") is not a prefix"))
                            return
                        }
                        guard asnSeen, let asn else {
                            errors.append(located(at, "roas[\(i)].asn", "missing or not an AS number"))
                            return
                        }
                        let limit = prefix.isIPv4 ? 32.0 : 128.0
                        let ml = maxLength ?? Double(prefix.length)
                        guard ml >= Double(prefix.length), ml <= limit, ml == ml.rounded() else {
                            errors.append(located(at, "roas[\(i)].maxLength", "maxLength \(ml) outside \(prefix.length)…\(Int(limit)) for \(prefix)"))
                            return
                        }
                        vrps.append(VRP(prefix: prefix, maxLength: UInt8(ml), asn: asn))
                    }
                case "aspas":
                    var i = 0
                    try s.forEachElement { s throws(JSONScanner.Failure) in
                        defer { i += 1 }
                        _ = s.peek()  // skip whitespace so `at` is the object's first byte
                        let at = s.index
                        var customer: ASN?
                        var providers: Set<ASN> = []
                        var bad = false
                        try s.forEachKey { s, key throws(JSONScanner.Failure) in
                            switch key {
                            case "customer_asid", "customer": customer = try s.asn()
                            case "providers":
                                try s.forEachElement { s throws(JSONScanner.Failure) in
                                    if s.peek() == UInt8(ascii: "{") {
                                        // Some versions wrap each provider in an object.
                                        var provider: ASN?
                                        try s.forEachKey { s, key throws(JSONScanner.Failure) in
                                            if key == "asn" || key == "provider_asid" { provider = try s.asn() } else { try s.skipValue() }
                                        }
                                        if let provider { providers.insert(provider) } else { bad = true }
                                    } else if let p = try s.asn() {
                                        providers.insert(p)
                                    } else {
                                        bad = true
                                    }
                                }
                            default: try s.skipValue()
                            }
                        }
                        guard let customer, !bad else {
                            if errors.count < 50 {
                                errors.append(located(at, "aspas[\(i)]", "needs customer_asid (or customer) and providers that are AS numbers"))
                            }
                            return
                        }
                        aspas[customer, default: []].formUnion(providers)
                    }
                default:
                    try s.skipValue()
                }
            }
            guard scanner.peek() == nil else { throw scanner.fail("trailing data after the JSON document") }
        } catch {
            throw ConfigErrors([located(error.offset, "", "not valid JSON: \(error.message)")])
        }
        if !sawROAs { errors.append(ConfigError(file: file, line: 1, field: "roas", "missing: expected rpki-client or Routinator JSON")) }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return (vrps, aspas)
    }
}

/// RFC 8416 SLURM: prefix filters remove matching VRPs; prefix assertions add VRPs.
public struct SLURM: Sendable {
    public struct Filter: Sendable {
        public var prefix: IPPrefix?
        public var asn: ASN?
    }

    public var filters: [Filter] = []
    public var assertions: [VRP] = []

    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> SLURM {
        let root = try JSONDocument(text, file: file)
        guard let object = root.value as? [String: Any] else { throw root.error("", "expected a JSON object") }
        guard (object["slurmVersion"] as? NSNumber)?.intValue == 1 else { throw root.error("slurmVersion", "must be 1 (RFC 8416)") }
        var slurm = SLURM()
        var errors: [ConfigError] = []
        let filters = (object["validationOutputFilters"] as? [String: Any])?["prefixFilters"] as? [Any] ?? []
        for (i, item) in filters.enumerated() {
            let f = item as? [String: Any] ?? [:]
            var filter = Filter()
            if let p = f["prefix"] {
                guard let text = p as? String, let prefix = IPPrefix(text) else {
                    errors.append(root.error("validationOutputFilters.prefixFilters[\(i)].prefix", "\(p) is not a prefix", near: p))
                    continue
                }
                filter.prefix = prefix
            }
            if let a = f["asn"] {
                guard let asn = JSONDocument.asn(a) else {
                    errors.append(root.error("validationOutputFilters.prefixFilters[\(i)].asn", "\(a) is not an AS number", near: a))
                    continue
                }
                filter.asn = asn
            }
            guard filter.prefix != nil || filter.asn != nil else {
                errors.append(root.error("validationOutputFilters.prefixFilters[\(i)]", "needs a prefix, an asn or both (RFC 8416 §3.3.1)"))
                continue
            }
            slurm.filters.append(filter)
        }
        let assertions = (object["locallyAddedAssertions"] as? [String: Any])?["prefixAssertions"] as? [Any] ?? []
        for (i, item) in assertions.enumerated() {
            let a = item as? [String: Any] ?? [:]
            guard let text = a["prefix"] as? String, let prefix = IPPrefix(text), let asn = JSONDocument.asn(a["asn"]) else {
                errors.append(root.error("locallyAddedAssertions.prefixAssertions[\(i)]", "needs a valid prefix and asn", near: a["prefix"]))
                continue
            }
            let maxLength = (a["maxPrefixLength"] as? NSNumber)?.intValue ?? Int(prefix.length)
            guard maxLength >= Int(prefix.length), maxLength <= (prefix.isIPv4 ? 32 : 128) else {
                errors.append(root.error("locallyAddedAssertions.prefixAssertions[\(i)].maxPrefixLength", "out of range for \(prefix)", near: text))
                continue
            }
            slurm.assertions.append(VRP(prefix: prefix, maxLength: UInt8(maxLength), asn: asn))
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return slurm
    }

    /// RFC 8416 §4.2: drop VRPs matched by a filter (prefix equal or more specific, and asn equal, for the
    /// fields the filter sets), then add the assertions.
    public func apply(to vrps: [VRP]) -> [VRP] {
        func matches(_ v: VRP, _ f: Filter) -> Bool {
            if let asn = f.asn, asn != v.asn { return false }
            if let p = f.prefix {
                switch (p, v.prefix) {
                case (.v4(let a), .v4(let b)): return a.contains(b)
                case (.v6(let a), .v6(let b)): return a.contains(b)
                default: return false
                }
            }
            return true
        }
        return vrps.filter { v in !filters.contains { matches(v, $0) } } + assertions
    }
}

/// A parsed JSON file that can point at the line of a value for error messages.
struct JSONDocument {
    let value: Any
    let text: String
    let file: String

    init(_ text: String, file: String) throws(ConfigErrors) {
        self.text = text
        self.file = file
        do {
            value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw ConfigErrors([ConfigError(file: file, line: 0, field: "", "not valid JSON: \(error.localizedDescription)")])
        }
    }

    /// An error at the first line where `near` (a scalar of the offending value) appears, when it can be found.
    func error(_ field: String, _ message: String, near: Any? = nil) -> ConfigError {
        var line = 0
        if let near, let needle = (near as? String).map({ "\"\($0)\"" }) ?? (near as? NSNumber).map({ "\($0)" }),
            let range = text.range(of: needle)
        {
            line = text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        }
        return ConfigError(file: file, line: line, field: field, message)
    }

    func error(_ field: String, _ message: String) -> ConfigErrors { ConfigErrors([error(field, message, near: nil)]) }

    /// An ASN given as a number or as "AS64500".
    static func asn(_ v: Any?) -> ASN? {
        if let n = v as? NSNumber { return n.int64Value >= 0 && n.int64Value <= Int64(UInt32.max) ? ASN(n.int64Value) : nil }
        if var s = v as? String {
            if s.hasPrefix("AS") || s.hasPrefix("as") { s.removeFirst(2) }
            return ASN(s)
        }
        return nil
    }
}
