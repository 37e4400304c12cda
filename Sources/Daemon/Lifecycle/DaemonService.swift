import Detection
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `bgpsentry run`: the long-running service. Start order: registry and data sets → state directory
/// (journal, cursors, open-alert snapshot) → pipeline → sinks (journaled events after each cursor are queued
/// again: at-least-once delivery across restarts) → capture handles → privilege drop → HTTP → READY=1.
/// SIGTERM/SIGINT (through swift-service-lifecycle) stop capture, flush the journal and drain the sinks;
/// SIGHUP reloads configuration, registry, data sets and sinks atomically.
public final class DaemonService: Service, @unchecked Sendable {
    /// Produces the configuration: the file (if any) with command-line overrides applied. Called at start
    /// and on every SIGHUP.
    public typealias ConfigSource = @Sendable () throws -> DaemonConfig

    private let configSource: ConfigSource
    private var config: DaemonConfig
    private let notifier = SystemdNotifier()
    private let drainSeconds: Double
    private let reloads = NIOLockedValueBox(ReloadCounters())
    private let stopSignal = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    private var pipeline: Pipeline?
    private var capture: CaptureService?
    private var cursors: SinkCursors?
    private let workers = NIOLockedValueBox<[(SinkWorker, Task<Void, Never>)]>([])

    public init(configSource: @escaping ConfigSource, drainSeconds: Double = 10) throws {
        self.configSource = configSource
        self.config = try configSource()
        self.drainSeconds = drainSeconds
    }

    /// Runs under a `ServiceGroup` that turns SIGTERM and SIGINT into a graceful shutdown.
    public static func runGroup(_ service: DaemonService) async throws {
        // The service returning (file sources done, or a graceful shutdown) ends the group without error.
        let configuration = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: DaemonLog.logger)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }

    public func run() async throws {
        let log = DaemonLog.logger
        // swift-metrics handles made before the bootstrap would stay no-ops: bootstrap before any sink exists.
        let exporter = MetricsExporter.shared()
        let (registry, dataSets) = try Self.loadDetectionInputs(config)
        try StateFiles.makeDirectory(config.stateDirectory)
        let journal = try EventJournal(directory: "\(config.stateDirectory)/journal", settings: config.journal)
        let cursors = try SinkCursors(directory: "\(config.stateDirectory)/cursors")
        self.cursors = cursors
        let (openState, skipped) = OpenAlertState.load(directory: config.stateDirectory)
        if skipped > 0 { log.warning("\(skipped) unreadable lines in \(config.stateDirectory)/\(OpenAlertState.fileName) ignored") }
        if openState.hasRestored { log.notice("\(openState.restored.count) open alerts restored from the last run") }
        let pipeline = Pipeline(config: config, registry: registry, dataSets: dataSets, journal: journal, openAlerts: openState)
        self.pipeline = pipeline
        let newWorkers = try makeWorkers(config.sinks, journalSequence: journal.lastSequence)
        if config.sinks.contains(where: \.usesTLS) { HTTPPoster.warmUp() }
        pipeline.install(workers: newWorkers)
        startWorkers(newWorkers)
        log.info("journal at sequence \(journal.lastSequence); \(newWorkers.count) sinks; registry \(registry.prefixes.count) prefixes")

        let capture = CaptureService(pipeline: pipeline, interfaces: config.interfaces, files: config.files)
        self.capture = capture
        for e in capture.openInterfaces() { log.error("\(e) (retrying every \(CaptureService.retrySeconds) s)") }
        if let user = config.user { try PrivilegeDrop.drop(to: user, stateDirectory: config.stateDirectory) }

        var httpChannel: Channel?
        if config.http.enabled {
            let token = try config.http.bearerTokenFile.map { path throws(DaemonError) -> String in
                String(decoding: try SecretFile.read(path, field: "http.bearerTokenFile"), as: UTF8.self)
            }
            let server = StatusServer(token: token) { [unowned self] path in self.respond(path, exporter: exporter) }
            let channel = try await server.start(host: config.http.host, port: config.http.port)
            httpChannel = channel
            let address = channel.localAddress.map { "\($0.ipAddress ?? config.http.host):\($0.port ?? config.http.port)" }
            log.info("HTTP endpoint on http://\(address ?? "?")/ (/metrics, /healthz, /alerts)")
        }

        let live = capture.hasLiveSources
        let stop = stopSignal.continuation
        capture.start { if !live { stop.yield() } }
        notifier.notify("READY=1\nSTATUS=capturing \(config.interfaces.count) interfaces, \(config.files.count) files; \(newWorkers.count) sinks")

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [unowned self] in await self.housekeeping() }
                group.addTask { [unowned self] in await self.reloadOnHangup() }
                for await _ in stopSignal.stream { break }
                log.info("shutting down: stopping capture, flushing the journal, draining sinks (up to \(drainSeconds) s)")
                notifier.notify("STOPPING=1")
                capture.stop()
                pipeline.sync()
                await stopWorkers()
                pipeline.sync()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stop.yield()
        }
        try? await httpChannel?.close()
        log.info("stopped; journal at sequence \(pipeline.lastJournalSequence)")
    }

    // MARK: - Inputs

    static func loadDetectionInputs(_ config: DaemonConfig) throws -> (Registry, DataSets) {
        guard let path = config.registry else { throw DaemonError.config("no registry: set registry in the config file or give --registry") }
        let registry = try RegistryLoader.load(path: path)
        return (registry, try DataSets.load(asRelationships: config.asRelationships, rpki: config.rpki, slurm: config.slurm))
    }

    // MARK: - Sinks

    private func makeWorkers(_ sinks: [SinkConfig], journalSequence: UInt64) throws(DaemonError) -> [SinkWorker] {
        guard let cursors else { return [] }
        var out: [SinkWorker] = []
        for c in sinks {
            let sink = try SinkFactory.make(c)
            // A sink seen for the first time starts at the journal's end: it does not get old history.
            let stored = cursors.load(c.name)
            let start = stored ?? journalSequence
            if stored == nil { _ = cursors.store(start, for: c.name) }
            out.append(SinkWorker(config: c, sink: sink, cursors: cursors, startCursor: start))
        }
        return out
    }

    private func startWorkers(_ list: [SinkWorker]) {
        let drain = drainSeconds
        let started = list.map { w in (w, Task { await w.run(drainSeconds: drain) }) }
        workers.withLockedValue { $0 = started }
    }

    private func stopWorkers() async {
        let current = workers.withLockedValue { w in
            defer { w = [] }
            return w
        }
        for (w, _) in current { w.stop() }
        for (w, task) in current {
            await task.value
            await w.sink.shutdown()
        }
    }

    // MARK: - Periodic work

    private func housekeeping() async {
        let interval = max(0.01, Double(config.journal.syncIntervalMilliseconds) / 1000)
        var lastWatchdog = Date.distantPast
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            pipeline?.sync()
            if let w = notifier.watchdogInterval, Date().timeIntervalSince(lastWatchdog) >= w {
                lastWatchdog = Date()
                notifier.notify("WATCHDOG=1")
            }
        }
    }

    private func reloadOnHangup() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals {
            if Task.isCancelled { return }
            await reload()
        }
    }

    /// SIGHUP: everything is loaded and checked first; only a fully valid configuration replaces the running
    /// one. Capture sources are not changed by a reload (restart for that).
    func reload() async {
        let log = DaemonLog.logger
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
        defer { notifier.notify("READY=1") }
        do {
            let new = try configSource()
            let (registry, dataSets) = try Self.loadDetectionInputs(new)
            let sinksChanged = new.sinks != config.sinks
            let replacement = sinksChanged ? try makeWorkers(new.sinks, journalSequence: pipeline?.lastJournalSequence ?? 0) : nil
            if new.interfaces != config.interfaces || new.files != config.files {
                log.warning("reload: capture sources changed; restart the daemon to apply that part")
            }
            pipeline?.reload(config: new, registry: registry, dataSets: dataSets)
            if let replacement {
                await stopWorkers()
                pipeline?.install(workers: replacement)
                startWorkers(replacement)
            } else {
                for (w, _) in workers.withLockedValue({ $0 }) { await w.sink.reopen() }
            }
            config = new
            reloads.withLockedValue {
                $0.succeeded += 1
                $0.lastFailed = false
                $0.lastError = nil
            }
            log.notice("reloaded: registry \(registry.prefixes.count) prefixes, \(new.sinks.count) sinks\(sinksChanged ? " (sinks replaced)" : "")")
        } catch {
            reloads.withLockedValue {
                $0.failed += 1
                $0.lastFailed = true
                $0.lastError = "\(error)"
            }
            log.error("reload failed, keeping the running configuration:\n\(error)")
        }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    // MARK: - HTTP

    private func respond(_ path: String, exporter: MetricsExporter) -> StatusServer.Response {
        guard let pipeline, let capture else { return .init(status: .serviceUnavailable, contentType: "text/plain", body: Array("starting\n".utf8)) }
        switch path {
        case "/metrics":
            let body = exporter.render(pipeline.snapshot(), sources: capture.sources, sinks: workers.withLockedValue { $0.map(\.0.status) },
                                       reloads: reloads.withLockedValue { $0 })
            return .init(contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case "/healthz":
            let report = HealthReport(snapshot: pipeline.snapshot(), sources: capture.sources,
                                      sinks: workers.withLockedValue { $0.map(\.0.status) }, reloads: reloads.withLockedValue { $0 })
            return .init(status: report.healthy ? .ok : .serviceUnavailable, contentType: "application/json", body: report.json)
        case "/alerts":
            return .init(contentType: "application/json", body: pipeline.openAlertsJSON())
        case "/":
            return .init(contentType: "text/plain", body: Array("bgpsentry \(BGPSentryVersion.string): /metrics /healthz /alerts\n".utf8))
        default:
            return .init(status: .notFound, contentType: "text/plain", body: Array("not found\n".utf8))
        }
    }
}

/// Builds the sink implementation for a configuration entry.
enum SinkFactory {
    static func make(_ c: SinkConfig) throws(DaemonError) -> any AlertSink {
        switch c.kind {
        case .jsonl: try JSONLSink(c)
        case .syslog: try SyslogSink(c)
        case .webhook: try WebhookSink(c)
        case .slack: try SlackSink(c)
        case .alertmanager: try AlertmanagerSink(c)
        case .exec: try ExecSink(c)
        }
    }
}
