import BGPWire
import Detection
import Foundation
import Metrics
import NIOConcurrencyHelpers
import PacketCapture
import Prometheus

/// Prometheus exposition for `/metrics`. Sink and latency metrics are recorded as they happen through
/// swift-metrics (bootstrapped with swift-prometheus's factory); pipeline counters, which the hot path keeps
/// as plain integers, are brought up to date at each scrape (counters advance by their delta).
public final class MetricsExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let last = NIOLockedValueBox<[String: Int64]>([:])
    private let counters = NIOLockedValueBox<[String: Prometheus.Counter]>([:])

    /// Latency buckets (seconds) of `bgpsentry_capture_to_sink_seconds`.
    public static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(30),
    ]

    private nonisolated(unsafe) static var bootstrapped: MetricsExporter?
    private static let bootstrapLock = NIOLock()

    /// The process-wide exporter (swift-metrics can be bootstrapped once per process).
    public static func shared() -> MetricsExporter {
        bootstrapLock.withLock {
            if let b = bootstrapped { return b }
            let e = MetricsExporter()
            var factory = PrometheusMetricsFactory(registry: e.registry)
            factory.defaultDurationHistogramBuckets = latencyBuckets
            MetricsSystem.bootstrap(factory)
            bootstrapped = e
            return e
        }
    }

    private init() { registry = PrometheusCollectorRegistry() }

    private func counter(_ name: String, _ labels: [(String, String)], _ value: Int) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let c = counters.withLockedValue { map in
            if let c = map[key] { return c }
            let c = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: ""), labels: labels)
            map[key] = c
            return c
        }
        let delta = last.withLockedValue { l -> Int64 in
            let d = Int64(value) - (l[key] ?? 0)
            if d > 0 { l[key] = Int64(value) }
            return d
        }
        if delta > 0 { c.increment(by: delta) }
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: ""), labels: labels).set(value)
    }

    /// Brings every scrape-time metric up to date and renders the exposition text.
    public func render(_ s: PipelineSnapshot, sources: [CaptureService.SourceStatus], sinks: [SinkWorker.Status],
                       reloads: ReloadCounters) -> [UInt8] {
        let c = s.capture
        counter("bgpsentry_frames_total", [], c.frames)
        counter("bgpsentry_bytes_total", [], c.bytes)
        for src in sources where src.live {
            counter("bgpsentry_kernel_received_total", [("source", src.name)], Int(src.kernelReceived))
            counter("bgpsentry_kernel_dropped_total", [("source", src.name)], Int(src.kernelDropped))
            counter("bgpsentry_interface_dropped_total", [("source", src.name)], Int(src.interfaceDropped))
            counter("bgpsentry_capture_open_failures_total", [("source", src.name)], src.openFailures)
            gauge("bgpsentry_capture_running", [("source", src.name)], src.running ? 1 : 0)
        }
        for type in MessageType.allCases {
            counter("bgpsentry_bgp_messages_total", [("type", type.name)], c.messageCount(type))
        }
        counter("bgpsentry_prefixes_announced_total", [], s.detection.announced)
        counter("bgpsentry_prefixes_withdrawn_total", [], s.detection.withdrawn)
        counter("bgpsentry_updates_total", [], s.detection.updates)
        counter("bgpsentry_unsupported_frames_total", [("kind", "link-type")], c.unsupportedLinkFrames)
        counter("bgpsentry_unsupported_frames_total", [("kind", "not-ip")], c.nonIPFrames)
        counter("bgpsentry_unsupported_frames_total", [("kind", "ip-fragment")], c.ipFragments)
        counter("bgpsentry_malformed_total", [("kind", "packet")], c.malformedPackets)
        counter("bgpsentry_malformed_total", [("kind", "framing")], c.reassembly.framingErrors)
        counter("bgpsentry_malformed_total", [("kind", "truncated-message")], c.reassembly.truncatedMessages)
        for (action, n) in s.counters.malformedUpdates { counter("bgpsentry_malformed_total", [("kind", "update-\(action)")], n) }
        counter("bgpsentry_reassembly_gaps_total", [], c.reassembly.gaps)
        counter("bgpsentry_reassembly_gap_bytes_total", [], c.reassembly.gapBytes)
        counter("bgpsentry_reassembly_limit_hits_total", [], c.reassembly.limitHits)
        counter("bgpsentry_flows_evicted_total", [], c.flowsEvicted)
        gauge("bgpsentry_active_flows", [], Double(s.activeFlows))
        gauge("bgpsentry_reassembly_buffered_bytes", [], Double(c.reassembly.globalBufferedBytes))
        gauge("bgpsentry_watched_routes", [], Double(s.ribEntries))
        counter("bgpsentry_watched_routes_dropped_total", [], s.ribDropped)
        gauge("bgpsentry_open_alerts", [], Double(s.openAlerts + s.restoredOpen))
        counter("bgpsentry_open_alerts_dropped_total", [], s.alertsDropped)
        for (key, n) in s.counters.events {
            counter("bgpsentry_alert_events_total", [("type", key.type.rawValue), ("severity", key.severity.rawValue), ("status", key.status)], n)
        }
        counter("bgpsentry_alerts_adopted_after_restart_total", [], s.counters.adoptedAfterRestart)
        counter("bgpsentry_rpki_validity_total", [("state", "valid")], s.detection.rovValid)
        counter("bgpsentry_rpki_validity_total", [("state", "invalid")], s.detection.rovInvalid)
        counter("bgpsentry_rpki_validity_total", [("state", "not-found")], s.detection.rovNotFound)
        gauge("bgpsentry_journal_sequence", [], Double(s.journalSequence))
        gauge("bgpsentry_journal_bytes", [], Double(s.journalBytes))
        counter("bgpsentry_journal_write_errors_total", [], s.journalErrors)
        counter("bgpsentry_journal_overflow_dropped_total", [], Int(s.journalOverflow))
        gauge("bgpsentry_registry_prefixes", [], Double(s.registryPrefixes))
        counter("bgpsentry_reloads_total", [("result", "ok")], reloads.succeeded)
        counter("bgpsentry_reloads_total", [("result", "failed")], reloads.failed)
        gauge("bgpsentry_config_last_reload_failed", [], reloads.lastFailed ? 1 : 0)
        if let t = s.lastFrameWallSeconds { gauge("bgpsentry_last_frame_age_seconds", [], max(0, Date().timeIntervalSince1970 - t)) }
        for sink in sinks { gauge("bgpsentry_sink_healthy", [("sink", sink.name), ("kind", sink.kind)], sink.healthy ? 1 : 0) }
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

/// SIGHUP outcomes, for metrics and /healthz.
public struct ReloadCounters: Sendable {
    public var succeeded = 0
    public var failed = 0
    public var lastFailed = false
    public var lastError: String?
}

extension MessageType {
    /// Label value for metrics.
    var name: String {
        switch self {
        case .open: "open"
        case .update: "update"
        case .notification: "notification"
        case .keepalive: "keepalive"
        case .routeRefresh: "route-refresh"
        }
    }
}
