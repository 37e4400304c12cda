import Alerting
import Detection

/// `alertmanager`: Prometheus Alertmanager API v2 (`POST /api/v2/alerts`). Labels identify the incident
/// (`alertname`, `type`, `severity`, `prefix`, `group`, `offender`) so clustered Alertmanagers deduplicate the
/// same incident reported by many daemons; a resolved event sends `endsAt`. The API takes a list, so events
/// waiting together go in one POST (up to 64).
struct AlertmanagerSink: AlertSink {
    let poster: HTTPPoster
    let generatorURL: String?

    init(_ config: SinkConfig) throws(DaemonError) {
        var base = config.target
        while base.hasSuffix("/") { base.removeLast() }
        guard let target = HTTPTarget(base + "/api/v2/alerts") else { throw DaemonError.sink(config.name, "not an http(s) URL") }
        poster = HTTPPoster(target: target, timeoutSeconds: config.timeoutSeconds)
        generatorURL = config.generatorURL
    }

    static func body(_ event: DeliveryEvent, generatorURL: String?) -> [UInt8] {
        body([event], generatorURL: generatorURL)
    }

    static func body(_ events: [DeliveryEvent], generatorURL: String?) -> [UInt8] {
        var w = JSONWriter(capacity: 512 * events.count)
        w.array { w in
            for event in events { writeAlert(event, generatorURL: generatorURL, into: &w) }
        }
        return w.bytes
    }

    /// One postable alert (Alertmanager API v2 `PostableAlert`).
    private static func writeAlert(_ event: DeliveryEvent, generatorURL: String?, into w: inout JSONWriter) {
        w.object { w in
            w.key("labels")
            w.object { w in
                w.field("alertname", "BGPSentry" + event.type.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
                w.field("type", event.type.rawValue)
                w.field("severity", event.severity.rawValue)
                if let p = event.prefix { w.field("prefix", p) }
                if let g = event.group { w.field("group", g) }
                if let o = event.offender { w.field("offender", "AS\(o)") }
            }
            w.key("annotations")
            w.object { w in
                w.field("summary", event.summary)
                w.field("alert_id", event.id)
            }
            if let start = event.firstSeen { w.field("startsAt", start) }
            if event.isResolved, let end = event.resolvedAt { w.field("endsAt", end) }
            if let generatorURL { w.field("generatorURL", generatorURL) }
        }
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        try await poster.post(Self.body(event, generatorURL: generatorURL), headers: [])
    }

    var batchLimit: Int { 64 }

    func deliver(batch: [DeliveryEvent]) async throws(SinkError) {
        try await poster.post(Self.body(batch, generatorURL: generatorURL), headers: [])
    }
}
