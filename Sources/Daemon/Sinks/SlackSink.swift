import Alerting

/// `slack`: a Slack incoming-webhook message (`{"text": …}`) with one line per event and the alert id.
struct SlackSink: AlertSink {
    let poster: HTTPPoster

    init(_ config: SinkConfig) throws(DaemonError) {
        guard let target = HTTPTarget(config.target) else { throw DaemonError.sink(config.name, "not an http(s) URL") }
        poster = HTTPPoster(target: target, timeoutSeconds: config.timeoutSeconds)
    }

    static func message(_ event: DeliveryEvent) -> [UInt8] {
        let icon = event.isResolved ? ":white_check_mark:" : event.severity == .critical ? ":rotating_light:" : ":warning:"
        let text = "\(icon) *\(event.status.uppercased())* `\(event.type.rawValue)` \(event.severity.rawValue)"
            + "\(event.prefix.map { " `\($0)`" } ?? ""): \(event.summary) (id \(event.id))"
        var w = JSONWriter(capacity: 256)
        w.object { $0.field("text", text) }
        return w.bytes
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        try await poster.post(Self.message(event), headers: [])
    }
}
