import BGPWire
import Detection
import Foundation
import Logging

/// Reads and validates `bgpsentry.yaml` (docs/CONFIG.md). Every mistake is reported with file, line and
/// field; relative paths are resolved against the file's folder.
public enum DaemonConfigLoader {
    public static func load(path: String) throws(ConfigErrors) -> DaemonConfig {
        let text = try ConfigNode.readText(path: path)
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, relativeTo: folder.isEmpty ? "." : folder)
    }

    static let topKeys: Set<String> = [
        "version", "sources", "bgpPorts", "registry", "dataSets", "localASNs", "localAddresses", "neighbors",
        "detection", "limits", "stateDirectory", "journal", "http", "logLevel", "user", "sinks",
    ]

    public static func parse(_ text: String, file: String, relativeTo folder: String) throws(ConfigErrors) -> DaemonConfig {
        let (root, top) = try ConfigNode.parseMapping(text, file: file, expected: "sources, registry, sinks, …")
        var f = YAMLFields(file: file)
        f.rejectUnknown(top, known: topKeys, path: "")
        var c = DaemonConfig()
        c.source = file
        let path = { (node: ConfigNode, field: String, f: inout YAMLFields) -> String? in
            f.string(node, field).map { resolve($0, folder) }
        }
        if let v = root["version"], let n = f.int(v, "version"), n != 1 { f.fail(v, "version", "unsupported version \(n) (this build reads 1)") }
        if let s = root["sources"] { readSources(s, &c, &f, folder) }
        if let p = root["bgpPorts"] { c.bgpPorts = f.list(p, "bgpPorts") { $0.port($1, $2) } }
        if let r = root["registry"] { c.registry = path(r, "registry", &f) }
        if let d = root["dataSets"], f.mapping(d, "dataSets", known: ["asRelationships", "rpki", "slurm"]) {
            c.asRelationships = d["asRelationships"].flatMap { path($0, "dataSets.asRelationships", &f) }
            c.rpki = d["rpki"].flatMap { path($0, "dataSets.rpki", &f) }
            c.slurm = d["slurm"].flatMap { path($0, "dataSets.slurm", &f) }
            if c.slurm != nil, c.rpki == nil, let s = d["slurm"] { f.fail(s, "dataSets.slurm", "applies to dataSets.rpki; give both") }
        }
        if let a = root["localASNs"] { c.localASNs = f.asnList(a, "localASNs") }
        if let a = root["localAddresses"] { c.localAddresses = f.list(a, "localAddresses") { $0.address($1, $2) } }
        if let n = root["neighbors"] { c.neighbors = f.list(n, "neighbors") { readNeighbor($1, $2, &$0) } }
        if let d = root["detection"], f.mapping(d, "detection", known: ["renotifyAfter"]) {
            if let r = d["renotifyAfter"], let n = f.int(r, "detection.renotifyAfter", in: 1...31_536_000) { c.renotifyAfterSeconds = n }
        }
        if let l = root["limits"], f.mapping(l, "limits", known: ["flows", "reassemblyBytes", "outOfOrderSegments", "ribEntries", "openAlerts"]) {
            if let v = l["flows"], let n = f.int(v, "limits.flows", in: 1...10_000_000) { c.limits.maximumFlows = n }
            if let v = l["reassemblyBytes"], let n = f.int(v, "limits.reassemblyBytes", in: 65_536...(1 << 36)) {
                c.limits.maximumReassemblyBytes = n
            }
            if let v = l["outOfOrderSegments"], let n = f.int(v, "limits.outOfOrderSegments", in: 1...1_000_000) {
                c.limits.maximumOutOfOrderSegments = n
            }
            if let v = l["ribEntries"], let n = f.int(v, "limits.ribEntries", in: 1...100_000_000) { c.limits.maximumRIBEntries = n }
            if let v = l["openAlerts"], let n = f.int(v, "limits.openAlerts", in: 1...10_000_000) { c.limits.maximumOpenAlerts = n }
        }
        if let s = root["stateDirectory"], let p = path(s, "stateDirectory", &f) { c.stateDirectory = p }
        if let j = root["journal"], f.mapping(j, "journal", known: ["syncInterval", "segmentBytes", "maxBytes"]) {
            if let v = j["syncInterval"], let n = f.int(v, "journal.syncInterval", in: 0...60_000) { c.journal.syncIntervalMilliseconds = n }
            if let v = j["segmentBytes"], let n = f.int(v, "journal.segmentBytes", in: 4096...(1 << 32)) { c.journal.segmentBytes = n }
            if let v = j["maxBytes"], let n = f.int(v, "journal.maxBytes", in: 65536...(1 << 40)) { c.journal.maximumBytes = n }
        }
        if let h = root["http"], f.mapping(h, "http", known: ["listen", "bearerTokenFile"]) {
            if let l = h["listen"], let text = f.string(l, "http.listen"), !c.http.setListen(text) {
                f.fail(l, "http.listen", "expected ADDRESS:PORT (e.g. 127.0.0.1:9179) or off")
            }
            c.http.bearerTokenFile = h["bearerTokenFile"].flatMap { path($0, "http.bearerTokenFile", &f) }
        }
        if let l = root["logLevel"], let text = f.string(l, "logLevel") {
            if LogLevelName.parse(text) == nil {
                f.fail(l, "logLevel", "expected one of \(LogLevelName.names.joined(separator: ", "))")
            }
            c.logLevel = text
        }
        if let u = root["user"] { c.user = f.string(u, "user") }
        if let s = root["sinks"] {
            var names: Set<String> = []
            c.sinks = f.list(s, "sinks") { f, node, field in
                guard let sink = SinkConfigReader.read(node, field, &f, folder: folder) else { return nil }
                if !names.insert(sink.name).inserted { f.fail(node["name"] ?? node, "\(field).name", "duplicate sink name \(sink.name)") }
                return sink
            }
        }
        guard f.errors.isEmpty else { throw ConfigErrors(f.errors) }
        return c
    }

    private static func readSources(_ s: ConfigNode, _ c: inout DaemonConfig, _ f: inout YAMLFields, _ folder: String) {
        guard f.mapping(s, "sources", known: ["interfaces", "files"]) else { return }
        if let i = s["interfaces"] {
            c.interfaces = f.list(i, "sources.interfaces") { f, node, field in
                guard f.mapping(node, field, known: ["name", "filter", "snaplen", "bufferBytes", "immediate", "promiscuous"]) else { return nil }
                guard let n = node["name"], let name = f.string(n, "\(field).name"), !name.isEmpty else {
                    f.fail(node, "\(field).name", "missing: the interface name")
                    return nil
                }
                var source = InterfaceSource(name: name)
                if let v = node["filter"], let t = f.string(v, "\(field).filter") { source.filter = t }
                if let v = node["snaplen"], let n = f.int(v, "\(field).snaplen", in: 96...262_144) { source.snapLength = Int32(n) }
                if let v = node["bufferBytes"], let n = f.int(v, "\(field).bufferBytes", in: 65536...(1 << 30)) { source.bufferBytes = Int32(n) }
                if let v = node["immediate"], let b = f.bool(v, "\(field).immediate") { source.immediate = b }
                if let v = node["promiscuous"], let b = f.bool(v, "\(field).promiscuous") { source.promiscuous = b }
                return source
            }
        }
        if let files = s["files"] {
            c.files = f.list(files, "sources.files") { f, node, field in
                f.string(node, field).map { $0 == "-" ? $0 : resolve($0, folder) }
            }
        }
    }

    private static func readNeighbor(_ node: ConfigNode, _ field: String, _ f: inout YAMLFields) -> NeighborFacts? {
        guard f.mapping(node, field, known: ["address", "asn", "role", "fourOctetAS", "addPath"]) else { return nil }
        guard let a = node["address"], let address = f.address(a, "\(field).address") else {
            if node["address"] == nil { f.fail(node, "\(field).address", "missing: the neighbour's address") }
            return nil
        }
        var n = NeighborFacts(address: address)
        if let v = node["asn"] { n.asn = f.asn(v, "\(field).asn") }
        if let v = node["role"], let text = f.string(v, "\(field).role") {
            n.role = BGPRole.named(text)
            if n.role == nil { f.fail(v, "\(field).role", "expected provider, customer, peer, rs or rs-client") }
        }
        if let v = node["fourOctetAS"] { n.fourOctetAS = f.bool(v, "\(field).fourOctetAS") }
        if let v = node["addPath"] { n.addPath = f.bool(v, "\(field).addPath") }
        return n
    }

    /// A relative path in the file is relative to the file's folder.
    static func resolve(_ path: String, _ folder: String) -> String {
        path.hasPrefix("/") || path == "-" ? path : (folder as NSString).appendingPathComponent(path)
    }
}

extension BGPRole {
    /// The role named as RFC 9234 and BIRD write it.
    public static func named(_ text: String) -> BGPRole? {
        switch text.lowercased() {
        case "provider": .provider
        case "customer": .customer
        case "peer": .peer
        case "rs", "route-server", "routeserver": .routeServer
        case "rs-client", "rs_client", "route-server-client": .routeServerClient
        default: nil
        }
    }
}

/// swift-log level names accepted by `logLevel`.
public enum LogLevelName {
    public static let names = Logger.Level.allCases.map(\.rawValue)
    public static func parse(_ text: String) -> String? { names.contains(text) ? text : nil }
}

extension YAMLFields {
    /// A mapping with only `known` keys; records an error and returns false otherwise.
    mutating func mapping(_ node: ConfigNode, _ field: String, known: Set<String>) -> Bool {
        guard case .map(let entries, _) = node else {
            fail(node, field, "expected a mapping")
            return false
        }
        rejectUnknown(entries, known: known, path: field)
        return true
    }

    /// Each item of a list read by `item` (nil items are dropped: their error is recorded).
    mutating func list<T>(_ node: ConfigNode, _ field: String, _ item: (inout YAMLFields, ConfigNode, String) -> T?) -> [T] {
        guard case .list(let items, _) = node else {
            fail(node, field, "expected a list")
            return []
        }
        var out: [T] = []
        for (i, n) in items.enumerated() {
            if let v = item(&self, n, "\(field)[\(i)]") { out.append(v) }
        }
        return out
    }

    mutating func int(_ node: ConfigNode, _ field: String, in range: ClosedRange<Int>) -> Int? {
        guard let n = int(node, field) else { return nil }
        guard range.contains(n) else {
            fail(node, field, "\(n) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return n
    }

    mutating func double(_ node: ConfigNode, _ field: String, in range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let s, _) = node, let d = Double(s), range.contains(d) else {
            fail(node, field, "expected a number of seconds in \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return d
    }

    mutating func bool(_ node: ConfigNode, _ field: String) -> Bool? {
        guard case .scalar(let s, _) = node else {
            fail(node, field, "expected true or false")
            return nil
        }
        switch s {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            fail(node, field, "expected true or false, not \(s)")
            return nil
        }
    }

    mutating func port(_ node: ConfigNode, _ field: String) -> UInt16? {
        int(node, field, in: 1...65535).map { UInt16($0) }
    }

    mutating func address(_ node: ConfigNode, _ field: String) -> IPAddress? {
        guard let s = string(node, field) else { return nil }
        if let v4 = IPv4Address(s) { return .v4(v4) }
        if let v6 = IPv6Address(s) { return .v6(v6) }
        fail(node, field, "\(s) is not an IPv4 or IPv6 address")
        return nil
    }
}
