import Detection

/// Reads one entry of `sinks:` (docs/CONFIG.md), with located errors.
enum SinkConfigReader {
    static let commonKeys: Set<String> = ["name", "type", "filter", "maxQueue", "timeout", "concurrency"]
    static let keys: [SinkConfig.Kind: Set<String>] = [
        .jsonl: ["path"],
        .syslog: ["url", "facility", "appName"],
        .webhook: ["url", "headers", "secretFile", "secretEnv", "signatureHeader"],
        .slack: ["url"],
        .alertmanager: ["url", "generatorURL"],
        .exec: ["command"],
    ]

    static func read(_ node: ConfigNode, _ field: String, _ f: inout YAMLFields, folder: String) -> SinkConfig? {
        guard case .map(let entries, _) = node else {
            f.fail(node, field, "expected a mapping with type and its settings")
            return nil
        }
        guard let t = node["type"], let typeName = f.string(t, "\(field).type") else {
            f.fail(node, "\(field).type", "missing: one of \(SinkConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let kind = SinkConfig.Kind(rawValue: typeName) else {
            f.fail(t, "\(field).type", "unknown sink type \(typeName) (expected \(SinkConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        f.rejectUnknown(entries, known: commonKeys.union(keys[kind] ?? []), path: field)
        let targetKey = kind == .jsonl ? "path" : kind == .exec ? "command" : "url"
        var target = ""
        var command: [String] = []
        if kind == .exec {
            if let c = node["command"] { command = f.list(c, "\(field).command") { $0.string($1, $2) } }
            if command.isEmpty || command[0].isEmpty {
                f.fail(node["command"] ?? node, "\(field).command", "expected the program and its arguments as a list")
                return nil
            }
            target = command[0]
        } else {
            guard let v = node[targetKey], let text = f.string(v, "\(field).\(targetKey)"), !text.isEmpty else {
                f.fail(node, "\(field).\(targetKey)", "missing: where the \(kind.rawValue) sink sends events")
                return nil
            }
            target = kind == .jsonl ? DaemonConfigLoader.resolve(text, folder) : text
            if let problem = SinkTarget.problem(kind: kind, target: text) { f.fail(v, "\(field).\(targetKey)", problem) }
        }
        let name = node["name"].flatMap { f.string($0, "\(field).name") } ?? "\(kind.rawValue)-\(field.filter(\.isNumber))"
        var sink = SinkConfig(name: name, kind: kind, target: target)
        sink.command = command
        if let v = node["filter"] { sink.filter = readFilter(v, "\(field).filter", &f) }
        if let v = node["maxQueue"], let n = f.int(v, "\(field).maxQueue", in: 1...10_000_000) { sink.maximumQueue = n }
        if let v = node["timeout"], let d = f.double(v, "\(field).timeout", in: 0.1...600) { sink.timeoutSeconds = d }
        if let v = node["headers"] {
            if case .map(let hs, _) = v {
                for h in hs {
                    guard let value = f.string(h.value, "\(field).headers.\(h.key)") else { continue }
                    let token = !h.key.isEmpty && h.key.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
                    if !token || value.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
                        f.fail(h.value, "\(field).headers.\(h.key)", "not a valid HTTP header (name: visible ASCII without ':'; value: no line breaks)")
                    } else {
                        sink.headers[h.key] = value
                    }
                }
            } else {
                f.fail(v, "\(field).headers", "expected a mapping Header-Name: value")
            }
        }
        if let v = node["secretFile"] { sink.secretFile = f.string(v, "\(field).secretFile").map { DaemonConfigLoader.resolve($0, folder) } }
        if let v = node["secretEnv"] { sink.secretEnvironment = f.string(v, "\(field).secretEnv") }
        if sink.secretFile != nil, sink.secretEnvironment != nil, let v = node["secretEnv"] {
            f.fail(v, "\(field).secretEnv", "give secretFile or secretEnv, not both")
        }
        if let v = node["signatureHeader"], let s = f.string(v, "\(field).signatureHeader") { sink.signatureHeader = s }
        if let v = node["facility"] {
            if let n = SyslogFacility.parse(v) {
                sink.facility = n
            } else {
                f.fail(v, "\(field).facility", "expected 0…23 or a name (kern, user, daemon, local0 … local7)")
            }
        }
        if let v = node["appName"], let s = f.string(v, "\(field).appName") {
            if s.isEmpty || s.utf8.count > 48 || s.utf8.contains(where: { $0 < 33 || $0 > 126 }) {
                f.fail(v, "\(field).appName", "RFC 5424 APP-NAME is 1…48 printable ASCII characters")
            } else {
                sink.appName = s
            }
        }
        if let v = node["generatorURL"] { sink.generatorURL = f.string(v, "\(field).generatorURL") }
        if let v = node["concurrency"], let n = f.int(v, "\(field).concurrency", in: 1...64) { sink.concurrency = n }
        return sink
    }

    static func readFilter(_ node: ConfigNode, _ field: String, _ f: inout YAMLFields) -> SinkFilter {
        var filter = SinkFilter()
        guard f.mapping(node, field, known: ["minSeverity", "types", "groups"]) else { return filter }
        if let v = node["minSeverity"], let s = f.string(v, "\(field).minSeverity") {
            if let sev = Severity(rawValue: s) {
                filter.minimumSeverity = sev
            } else {
                f.fail(v, "\(field).minSeverity", "expected warning, major or critical")
            }
        }
        if let v = node["types"] {
            filter.types = Set(f.list(v, "\(field).types") { f, n, fld in
                guard let s = f.string(n, fld) else { return nil }
                guard let t = AlertType(rawValue: s) else {
                    f.fail(n, fld, "unknown alert type \(s)")
                    return nil
                }
                return t
            })
        }
        if let v = node["groups"] { filter.groups = Set(f.list(v, "\(field).groups") { $0.string($1, $2) }) }
        return filter
    }
}

/// Checks of a sink's target URL, shared by the config reader and the command-line flags.
public enum SinkTarget {
    /// Why `target` cannot be used by a sink of `kind`, or `nil` when it can.
    public static func problem(kind: SinkConfig.Kind, target: String) -> String? {
        switch kind {
        case .jsonl, .exec:
            return nil
        case .syslog:
            return SyslogAddress(target) == nil ? "expected udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH" : nil
        case .webhook, .slack, .alertmanager:
            return HTTPTarget(target) == nil ? "expected an http:// or https:// URL" : nil
        }
    }
}

/// RFC 5424 §6.2.1 facilities by number or name.
enum SyslogFacility {
    static let names = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
                        "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"]

    static func parse(_ node: ConfigNode) -> Int? {
        guard case .scalar(let s, _) = node else { return nil }
        if let n = Int(s), (0...23).contains(n) { return n }
        return names.firstIndex(of: s)
    }
}
