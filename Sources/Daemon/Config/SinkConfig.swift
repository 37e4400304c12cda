import Detection

/// One configured alert sink (docs/CONFIG.md, "sinks").
public struct SinkConfig: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case jsonl, syslog, webhook, slack, alertmanager, exec
    }

    /// Unique name: the cursor file, metrics label and log lines use it.
    public var name: String
    public var kind: Kind
    /// jsonl: a file path or `-`; syslog: `udp://host:port`, `tcp://host:port`, `unix:///dev/log`;
    /// webhook/slack: the URL; alertmanager: the base URL (`/api/v2/alerts` is appended).
    public var target: String
    public var filter = SinkFilter()
    /// Bounded queue: events waiting for this sink beyond this many are dropped, loudly (log + metric).
    public var maximumQueue = 10_000
    public var timeoutSeconds = 5.0
    /// webhook: extra request headers.
    public var headers: [String: String] = [:]
    /// webhook: the secret for the HMAC-SHA256 signature, from a file or an environment variable.
    public var secretFile: String?
    public var secretEnvironment: String?
    public var signatureHeader = "X-BGPSentry-Signature"
    /// syslog: RFC 5424 facility (0…23) and APP-NAME.
    public var facility = 16
    public var appName = "bgpsentry"
    /// alertmanager: link back to this daemon.
    public var generatorURL: String?
    /// exec: the program and its arguments (never run through a shell).
    public var command: [String] = []
    /// Events of different alerts delivered at once (8 for https:// sinks, 1 otherwise).
    public var concurrency: Int

    public init(name: String, kind: Kind, target: String) {
        self.name = name
        self.kind = kind
        self.target = target
        // https:// receivers are usually remote (round trips of tens of ms): several in flight. A plain http://
        // receiver is usually local, where one keep-alive connection in order is fastest.
        self.concurrency = 1
        if usesTLS { concurrency = 8 }
    }

    /// Delivered through AsyncHTTPClient (TLS); plain http:// goes through `PlainHTTPClient`.
    public var usesTLS: Bool {
        [.webhook, .slack, .alertmanager].contains(kind) && target.lowercased().hasPrefix("https:")
    }
}

/// Which events a sink receives: a minimum severity, and optionally only some types or registry groups.
public struct SinkFilter: Sendable, Hashable {
    public var minimumSeverity: Severity = .warning
    public var types: Set<AlertType>?
    public var groups: Set<String>?

    public init() {}

    public func accepts(severity: Severity, type: AlertType, group: String?) -> Bool {
        guard severity >= minimumSeverity else { return false }
        if let types, !types.contains(type) { return false }
        if let groups {
            guard let group, groups.contains(group) else { return false }
        }
        return true
    }
}
