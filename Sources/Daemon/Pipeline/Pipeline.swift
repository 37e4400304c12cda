import Alerting
import BGPWire
import Detection
import Foundation
import Metrics
import NIOConcurrencyHelpers
import PacketCapture

/// The daemon's single detection pipeline: frames from every capture thread → decoder → engine → journal →
/// sink queues. One lock serialises the (single-threaded, deterministic) decoder and engine; capture threads
/// hold it for one frame at a time. Alert events are journaled before any sink sees them.
public final class Pipeline: @unchecked Sendable {
    private let lock = NIOLock()
    // Everything below is guarded by `lock`.
    private var decoder: CaptureDecoder
    private let engine: DetectionEngine
    private let feed: EngineFeed
    private var registry: Registry
    private var openAlerts: OpenAlertState
    private let journal: EventJournal
    private var workers: [SinkWorker] = []
    private var writer = JSONWriter(capacity: 16 * 1024)
    private var currentIsLive = false
    private var pendingRestored: [(id: String, withdrawn: Bool)] = []
    private var lastFrameWallSeconds: Double?
    private var counters = PipelineCounters()
    private let stateDirectory: String
    /// Live frame timestamp → alert event journaled and queued to the sinks.
    private let captureToAlert = Metrics.Timer(label: "bgpsentry_capture_to_alert_seconds")

    init(config: DaemonConfig, registry: Registry, dataSets: DataSets, journal: EventJournal,
                openAlerts: OpenAlertState) {
        var options = DetectionEngine.Options()
        options.renotifyAfterMicroseconds = Int64(config.renotifyAfterSeconds) * 1_000_000
        options.maximumRIBEntries = config.limits.maximumRIBEntries
        options.maximumOpenAlerts = config.limits.maximumOpenAlerts
        self.registry = registry
        self.journal = journal
        self.openAlerts = openAlerts
        self.stateDirectory = config.stateDirectory
        var emitTarget: Pipeline?
        let engine = DetectionEngine(registry: registry, dataSets: dataSets, options: options) { event in emitTarget?.emit(event) }
        self.engine = engine
        let feed = EngineFeed(engine: engine)
        self.feed = feed
        let limits = ReassemblyLimits(maxFlows: config.limits.maximumFlows, maxBufferedBytesTotal: config.limits.maximumReassemblyBytes,
                                      maxOutOfOrderSegments: config.limits.maximumOutOfOrderSegments)
        decoder = CaptureDecoder(bgpPorts: Set(config.bgpPorts), limits: limits) { feed.handle($0) }
        decoder.retainsClosedSessions = false
        decoder.sessionStarted = { feed.sessionStarted($0) }
        emitTarget = self
        apply(config)
        feed.beforeUpdate = { [unowned self] view, m in self.inspect(view, m) }
        feed.afterUpdate = { [unowned self] _, m in self.settleRestored(time: m.time.microseconds) }
        feed.sessionChanged = { [unowned self] s, closed, time in self.sessionChanged(s, closed: closed, time: time) }
    }

    /// Configuration facts the feed uses (neighbours, local side); applied again on reload.
    private func apply(_ config: DaemonConfig) {
        feed.neighbors = Dictionary(config.neighbors.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        feed.localAddresses = Set(config.localAddresses)
        feed.localASNs = config.localASNs
        decoder.bgpPorts = Set(config.bgpPorts)
    }

    // MARK: - Frames

    /// Decodes and judges one frame from `source` (called by capture threads).
    public func process(_ frame: Frame, linkType: Int32, source: String, live: Bool) {
        lock.withLockVoid {
            if feed.currentSource != source { feed.currentSource = source }
            currentIsLive = live
            decoder.process(frame, linkType: linkType)
            if live { lastFrameWallSeconds = Date().timeIntervalSince1970 }
        }
    }

    /// A file source ended: its flows end with it (their sessions are not closed: docs/DETECTION.md).
    public func finishSource() {
        lock.withLockVoid { decoder.finish() }
    }

    // MARK: - Events

    /// Called by the engine, with `lock` held.
    private func emit(_ event: AlertEvent) {
        writer.reset()
        AlertJSON.write(event, registry: registry, into: &writer)
        var json = writer.bytes
        if json.last == 0x0A { json.removeLast() }
        let id = event.alert.identity.id
        guard openAlerts.record(id: id, status: event.status.rawValue, reminder: event.reminder, json: json) else {
            counters.adoptedAfterRestart += 1
            DaemonLog.logger.info("alert \(id) \(event.alert.identity.type.rawValue) still open since before the restart; not announced again")
            return
        }
        let sequence = journal.append(json)
        counters.count(event)
        if currentIsLive {
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            captureToAlert.recordNanoseconds(max(0, now - event.time) * 1000)
        }
        let delivery = DeliveryEvent(sequence: sequence, json: json, event: event,
                                     captureMicroseconds: currentIsLive ? event.time : nil)
        for w in workers { w.enqueue(delivery) }
    }

    /// Journals and delivers a synthesized event (a restored alert resolved), with `lock` held.
    private func emitRaw(_ json: [UInt8]) {
        let sequence = journal.append(json)
        counters.restoredResolved += 1
        guard let delivery = DeliveryEvent(sequence: sequence, json: json) else { return }
        for w in workers { w.enqueue(delivery) }
    }

    // MARK: - Alerts restored from the snapshot

    private func inspect(_ view: UpdateView, _ m: CapturedMessage) {
        if let action = view.worstAction { counters.malformedUpdates[action, default: 0] += 1 }
        guard openAlerts.hasRestored else { return }
        let neighbor = m.source.address
        for section in [UpdateView.RouteSection.withdrawn, .mpUnreach, .nlri, .mpReach] {
            let withdrawn = section == .withdrawn || section == .mpUnreach
            var routes = view.routes(section)
            while let route = routes.next() {
                for id in openAlerts.restoredIDs(prefix: route.prefix, neighbor: neighbor, after: m.time.microseconds) {
                    pendingRestored.append((id, withdrawn))
                }
            }
        }
    }

    private func settleRestored(time: Int64) {
        guard !pendingRestored.isEmpty else { return }
        let pending = pendingRestored
        pendingRestored.removeAll()
        for (id, withdrawn) in pending {
            if let json = openAlerts.resolveRestored(id, reason: withdrawn ? "withdrawn" : "replaced", time: time) { emitRaw(json) }
        }
    }

    private func sessionChanged(_ s: SessionInfo, closed: Bool, time: Int64) {
        guard openAlerts.hasRestored else { return }
        for id in openAlerts.restoredIDs(neighbor: s.neighbor, after: time) {
            let isSessionDown = openAlerts.restored[id]?.type == AlertType.sessionDown.rawValue
            if isSessionDown && closed { continue }  // the engine fires it again and adopts it
            let reason = isSessionDown ? "re-established" : "session-closed"
            if let json = openAlerts.resolveRestored(id, reason: reason, time: time) { emitRaw(json) }
        }
    }

    // MARK: - Housekeeping, reload, status

    /// Makes the journal durable, saves the open-alert snapshot and prunes delivered segments. The disk
    /// waits (fsync, snapshot write) happen outside the lock, so capture threads never wait for them.
    public func sync() {
        let (handle, snapshot) = lock.withLock { (journal.takeSyncHandle(), openAlerts.takeSnapshot()) }
        let fsyncFailure = handle >= 0 && !EventJournal.sync(handle) ? String(cString: strerror(errno)) : nil
        let saved = snapshot.map { StateFiles.replace("\(stateDirectory)/\(OpenAlertState.fileName)", with: $0) } ?? true
        lock.withLockVoid {
            if let fsyncFailure { journal.syncFailed(fsyncFailure) }
            if !saved {
                openAlerts.markUnsaved()
                counters.snapshotErrors += 1
                DaemonLog.logger.error("cannot write \(stateDirectory)/\(OpenAlertState.fileName)")
            }
            if let lowest = workers.map(\.cursor).min() { journal.prune(deliveredThrough: lowest) }
        }
    }

    /// Installs sink workers; events already journaled after each worker's cursor are queued to it first
    /// (the journal is read once, from the lowest cursor; a worker ignores events at or below its own).
    public func install(workers new: [SinkWorker]) {
        lock.withLockVoid {
            workers = new
            guard let lowest = new.map(\.cursor).min() else { return }
            for record in journal.records(after: lowest) {
                guard let e = DeliveryEvent(sequence: record.sequence, json: record.json) else { continue }
                for w in new { w.enqueue(e) }
            }
        }
    }

    public var lastJournalSequence: UInt64 { lock.withLock { journal.lastSequence } }

    /// Swaps registry, data sets and configuration facts in one step (SIGHUP). Routes and sessions stay.
    public func reload(config: DaemonConfig, registry new: Registry, dataSets: DataSets) {
        lock.withLockVoid {
            registry = new
            engine.replaceRegistry(new)
            engine.replaceDataSets(dataSets)
            apply(config)
        }
    }

    /// Everything `/metrics`, `/healthz` and `/alerts` report, read under the lock.
    public func snapshot() -> PipelineSnapshot {
        lock.withLock {
            PipelineSnapshot(capture: decoder.statistics, detection: engine.statistics, activeFlows: decoder.activeFlows,
                             ribEntries: engine.rib.count, ribDropped: engine.rib.dropped, openAlerts: engine.book.open.count,
                             alertsDropped: engine.book.dropped, fired: engine.book.fired, resolved: engine.book.resolvedCount,
                             counters: counters, lastFrameWallSeconds: lastFrameWallSeconds,
                             journalSequence: journal.lastSequence, journalBytes: journal.totalBytes,
                             journalErrors: journal.writeErrors, journalOverflow: journal.overflowDropped,
                             journalLastError: journal.lastError, registryPrefixes: registry.prefixes.count,
                             restoredOpen: openAlerts.restored.count)
        }
    }

    /// The open alerts as a JSON array of their latest v1 events.
    public func openAlertsJSON() -> [UInt8] {
        let all = lock.withLock { openAlerts.allOpen }
        var w = JSONWriter(capacity: 4096)
        w.array { w in for json in all { w.raw(json) } }
        return w.bytes
    }
}

/// Counts kept by the pipeline itself.
public struct PipelineCounters: Sendable {
    /// Which alert events were journaled: the labels of `bgpsentry_alert_events_total`.
    public struct EventKey: Sendable, Hashable {
        public var type: AlertType
        public var status: String
        public var severity: Severity { type.severity }
    }

    /// Events by type and status — `firing`, `reminder` or `resolved`.
    public var events: [EventKey: Int] = [:]
    /// UPDATEs with RFC 7606 errors, by the action taken (attribute-discard, treat-as-withdraw, session-reset).
    public var malformedUpdates: [ErrorAction: Int] = [:]
    public var adoptedAfterRestart = 0
    public var restoredResolved = 0
    public var snapshotErrors = 0

    mutating func count(_ e: AlertEvent) {
        events[EventKey(type: e.alert.identity.type, status: e.reminder ? "reminder" : e.status.rawValue), default: 0] += 1
    }
}

/// A consistent reading of the pipeline for the HTTP endpoint.
public struct PipelineSnapshot: Sendable {
    public var capture: CaptureStatistics
    public var detection: DetectionStatistics
    public var activeFlows: Int
    public var ribEntries: Int
    public var ribDropped: Int
    public var openAlerts: Int
    public var alertsDropped: Int
    public var fired: [AlertType: Int]
    public var resolved: [AlertType: Int]
    public var counters: PipelineCounters
    public var lastFrameWallSeconds: Double?
    public var journalSequence: UInt64
    public var journalBytes: Int
    public var journalErrors: Int
    public var journalOverflow: UInt64
    public var journalLastError: String?
    public var registryPrefixes: Int
    public var restoredOpen: Int
}
