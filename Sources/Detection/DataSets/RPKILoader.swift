import BGPWire
import Foundation

/// Reads validated RPKI payloads as JSON — rpki-client `-j` (`roas` with `asn` as number or "AS…", `prefix`,
/// `maxLength`; `aspas` with `customer_asid` and `providers`) or Routinator `json`/`jsonext` (`roas` with
/// "AS…" strings; `aspas` with `customer` and `providers`) — and applies RFC 8416 SLURM local exceptions.
/// Mistakes are reported with the file, the line of the offending value and its JSON path.
public enum RPKILoader {
    /// From this many bytes on, the `roas` array is read on two threads (`ROAList`). A knob only for the
    /// fuzz target, which sets it to 0 to compare the two-thread read with the sequential one.
    nonisolated(unsafe) public static var twoThreadThreshold = 4 << 20
    /// Whether plain ROA objects take the one-pass reader (`FastROA`). A knob only for the fuzz target, which
    /// turns it off to compare the outcome with the general reader's.
    nonisolated(unsafe) public static var plainROAFastPath = true

    public static func load(path: String, slurmPath: String? = nil) throws(ConfigErrors) -> RPKIData {
        let name = (path as NSString).lastPathComponent
        var (vrps, aspas) = try parsePayloads(bytes: try ConfigNode.readBytes(path: path), file: name)
        if let slurmPath {
            let (slurmText, slurmName) = try readFile(slurmPath)
            let slurm = try SLURM.parse(slurmText, file: slurmName)
            vrps = slurm.apply(to: vrps)
        }
        return RPKIData(source: name, vrps: vrps, aspas: aspas)
    }

    /// The text (invalid UTF-8 repaired) and file name of `path`.
    public static func readFile(_ path: String) throws(ConfigErrors) -> (String, String) {
        (String(decoding: try ConfigNode.readBytes(path: path), as: UTF8.self), (path as NSString).lastPathComponent)
    }

    public static func parsePayloads(_ text: String, file: String) throws(ConfigErrors) -> ([VRP], [ASN: Set<ASN>]) {
        try parsePayloads(bytes: Array(text.utf8), file: file)
    }

    /// The same, from the file's bytes (no text copy of a 60 MB file).
    public static func parsePayloads(bytes: [UInt8], file: String) throws(ConfigErrors) -> ([VRP], [ASN: Set<ASN>]) {
        var errors: [ConfigError] = []
        var vrps: [VRP] = []
        var aspas: [ASN: Set<ASN>] = [:]
        var sawROAs = false
        // Reads `bytes`, not the scanner: it runs while the scanner is being mutated.
        func located(_ offset: Int, _ field: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: JSONScanner.line(of: offset, in: bytes), field: field, message)
        }
        do throws(JSONScanner.Failure) {
            try JSONScanner.scan(bytes) { scanner throws(JSONScanner.Failure) in
                try scanner.forEachKey { s, key throws(JSONScanner.Failure) in
                    switch key {
                    case "roas":
                        sawROAs = true
                        let list = try ROAList.parse(&s)
                        if vrps.isEmpty { vrps = list.vrps } else { vrps += list.vrps }  // no copy of 600,000 VRPs
                        errors += list.problems.prefix(50).map { located($0.offset, "roas[\($0.index)]\($0.field)", $0.message) }
                    case "aspas":
                        var i = 0
                        try s.forEachElement { s throws(JSONScanner.Failure) in
                            defer { i += 1 }
                            _ = s.peek()  // skip whitespace so `at` is the object's first byte
                            let at = s.index
                            var customer: ASN?
                            var providers = Set<ASN>(minimumCapacity: 8)
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
                            // Stored as read (a union into an empty default set rehashed every provider); a customer
                            // listed twice gets the union.
                            if let earlier = aspas.updateValue(providers, forKey: customer) { aspas[customer]?.formUnion(earlier) }
                        }
                    default:
                        try s.skipValue()
                    }
                }
                guard scanner.peek() == nil else { throw scanner.fail("trailing data after the JSON document") }
            }
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
        let bytes = Array(text.utf8)
        var slurm = SLURM()
        var errors: [ConfigError] = []
        var version: Double?
        func located(_ offset: Int, _ field: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: JSONScanner.line(of: offset, in: bytes), field: field, message)
        }
        do throws(JSONScanner.Failure) {
            try JSONScanner.scan(bytes) { scanner throws(JSONScanner.Failure) in
                try scanner.forEachKey { s, key throws(JSONScanner.Failure) in
                    switch key {
                    case "slurmVersion": version = try s.number()
                    case "validationOutputFilters":
                        try s.forEachKey { s, key throws(JSONScanner.Failure) in
                            guard key == "prefixFilters" else { return try s.skipValue() }
                            var i = 0
                            try s.forEachElement { s throws(JSONScanner.Failure) in
                                defer { i += 1 }
                                _ = s.peek()
                                let at = s.index
                                var filter = Filter()
                                var bad: String?
                                try s.forEachKey { s, key throws(JSONScanner.Failure) in
                                    switch key {
                                    case "prefix":
                                        let text = try s.string()
                                        filter.prefix = IPPrefix(text)
                                        if filter.prefix == nil { bad = "\(text) is not a prefix" }
                                    case "asn":
                                        filter.asn = try s.asn()
                                        if filter.asn == nil { bad = "asn is not an AS number" }
                                    default: try s.skipValue()
                                    }
                                }
                                let field = "validationOutputFilters.prefixFilters[\(i)]"
                                if let bad {
                                    errors.append(located(at, field, bad))
                                } else if filter.prefix == nil && filter.asn == nil {
                                    errors.append(located(at, field, "needs a prefix, an asn or both (RFC 8416 §3.3.1)"))
                                } else {
                                    slurm.filters.append(filter)
                                }
                            }
                        }
                    case "locallyAddedAssertions":
                        try s.forEachKey { s, key throws(JSONScanner.Failure) in
                            guard key == "prefixAssertions" else { return try s.skipValue() }
                            var i = 0
                            try s.forEachElement { s throws(JSONScanner.Failure) in
                                defer { i += 1 }
                                _ = s.peek()
                                let at = s.index
                                var prefix: IPPrefix?, asn: ASN?, maxLength: Double?
                                try s.forEachKey { s, key throws(JSONScanner.Failure) in
                                    switch key {
                                    case "prefix": prefix = IPPrefix(try s.string())
                                    case "asn": asn = try s.asn()
                                    case "maxPrefixLength": maxLength = try s.number()
                                    default: try s.skipValue()
                                    }
                                }
                                let field = "locallyAddedAssertions.prefixAssertions[\(i)]"
                                guard let prefix, let asn else {
                                    errors.append(located(at, field, "needs a valid prefix and asn"))
                                    return
                                }
                                let ml = maxLength ?? Double(prefix.length)
                                guard ml >= Double(prefix.length), ml <= (prefix.isIPv4 ? 32 : 128), ml == ml.rounded() else {
                                    errors.append(located(at, "\(field).maxPrefixLength", "out of range for \(prefix)"))
                                    return
                                }
                                slurm.assertions.append(VRP(prefix: prefix, maxLength: UInt8(ml), asn: asn))
                            }
                        }
                    default: try s.skipValue()
                    }
                }
            }
        } catch {
            throw ConfigErrors([located(error.offset, "", "not valid JSON: \(error.message)")])
        }
        guard version == 1 else { throw ConfigErrors([located(0, "slurmVersion", "must be 1 (RFC 8416)")]) }
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
