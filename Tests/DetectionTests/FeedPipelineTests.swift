import Alerting
import BGPWire
import Detection
import Foundation
import PacketCapture
import Testing

/// `FeedPipeline` (replay's two threads) against `EngineFeed.handle` (one thread) on a real-speaker capture.
@Suite("Two-thread feed")
struct FeedPipelineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let demo = packageRoot.appendingPathComponent("Tests/Fixtures/demo/demo.pcap").path
    static let registry = packageRoot.appendingPathComponent("config/prefixes.yaml").path
    static let vrps = packageRoot.appendingPathComponent("Tests/Fixtures/rpki/vrps.json").path

    /// Shapes: the replay default (the demo's 1,073 UPDATEs fit one batch), batches that fill (64 items), arenas
    /// that fill part-way through a batch (64 KiB of the capture's ~105 KB), one- and three-item batches.
    /// What a replay of the demo capture produces: its alert events as v1 JSON lines, the UPDATEs counted on
    /// the capture side, and the engine's counters (UPDATEs, routes, watched routes, RFC 6811 outcomes when
    /// `rpki`). `pipeline` nil: `EngineFeed.handle` on this thread.
    /// `pending`: the data sets reach the pipeline as `PendingDataSets` that arrive 50 ms late (as replay
    /// loads them while reading), or never (`failing`: the load failed).
    enum Delivery { case atOnce, pending, failing }

    /// `relay`: the pipeline's capture side runs on a `CaptureRelay`'s parse thread, with these batch shapes.
    /// `sessionRoutes`: every session's announced and withdrawn routes per side, as the summary prints them.
    /// `registryDelivery`: the registry reaches the pipeline as a `PendingRegistry` (the engine starts with an
    /// empty one) that arrives once the whole capture was read (or after 5 s), or never; `readAhead`: the capture
    /// was read to its end before the registry arrived.
    static func replay(pipeline shape: (bytes: Int, items: Int, batches: Int)?, rpki: Bool = false,
                       delivery: Delivery = .atOnce, registryDelivery: Delivery = .atOnce,
                       relay relayShape: (bytes: Int, entries: Int, batches: Int)? = nil, updateSink: Bool = false,
                       twoOctetFromUpdate switchAt: Int? = nil) throws
        -> (events: [String], updates: Int, counters: [Int], abandoned: Bool, sessionRoutes: [Int], readAhead: Bool) {
        let registry = try RegistryLoader.load(path: Self.registry)
        let captureRead = DispatchSemaphore(value: 0)
        let registryArrived = Flag()
        let pendingRegistry: PendingRegistry? = switch registryDelivery {
        case .atOnce: nil
        case .pending: PendingRegistry(wait: {
            _ = captureRead.wait(timeout: .now() + 5)
            captureRead.signal()  // the next caller passes too
            registryArrived.set()
            return registry
        })
        case .failing: PendingRegistry(wait: { usleep(50_000); return nil })
        }
        var events: [String] = []
        let dataSets = DataSets(rpki: rpki ? try RPKILoader.load(path: Self.vrps) : nil)
        let pending: PendingDataSets? = switch delivery {
        case .atOnce: nil
        case .pending: PendingDataSets(includesRPKI: rpki, wait: { usleep(50_000); return dataSets })
        case .failing: PendingDataSets(includesRPKI: rpki, wait: { usleep(50_000); return nil })
        }
        let engine = DetectionEngine(registry: pendingRegistry == nil ? registry : Registry(prefixes: []),
                                     dataSets: pending == nil ? dataSets : DataSets()) { event in
            var w = JSONWriter()
            AlertJSON.write(event, registry: registry, into: &w)
            events.append(String(decoding: w.bytes, as: UTF8.self))
        }
        let feed = EngineFeed(engine: engine)
        feed.currentSource = "demo.pcap"
        var updates = 0
        let pipeline = shape.map {
            FeedPipeline(feed: feed, pendingRegistry: pendingRegistry, pendingDataSets: pending, batchBytes: $0.bytes,
                         batchItems: $0.items, maximumBatches: $0.batches)
        }
        let relay = pipeline.flatMap { pipeline in
            relayShape.map {
                CaptureRelay(pipeline: pipeline, batchBytes: $0.bytes, batchEntries: $0.entries, maximumBatches: $0.batches,
                             batchesWhileAwaitingRegistry: 1_000, counted: { _ in updates += 1 })
            }
        }
        defer {  // also when opening the capture fails: no thread left waiting
            captureRead.signal()
            relay?.finish()
            pipeline?.finish()
        }
        // `switchAt`: from that UPDATE on, its sender's UPDATEs are read with 2-octet ASNs (set as a daemon's
        // configuration would, between two UPDATEs: the relay must notice without an event in between).
        var seen = 0
        func switchContext(_ session: BGPSession, _ sender: Int) {
            seen += 1
            if seen == switchAt { session.configure(DecodingContext(fourOctetAS: false), forSender: sender) }
        }
        let fastPath = updateSink ? UpdateSink { update, session in
            switchContext(session, update.sender)
            relay?.capture(update, session: session)
        } : nil
        let decoder = CaptureDecoder(updateSink: fastPath) { event in
            var event = event
            if case .message(var m) = event, m.type == .update {
                switchContext(m.session, m.sender)
                m.context = m.session.contexts[m.sender]
                event = .message(m)
            }
            if let relay {
                relay.handle(event)
            } else if let pipeline {
                pipeline.handle(event) { _ in updates += 1 }
            } else {
                if case .message(let m) = event, m.type == .update { updates += 1 }
                feed.handle(event)
            }
        }
        let source = try PcapSource.openOffline(Self.demo)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        let readAhead = pendingRegistry != nil && !registryArrived.isSet
        captureRead.signal()
        relay?.finish()
        pipeline?.finish()
        let s = engine.statistics
        let sessionRoutes = decoder.sessions.flatMap { session in
            session.counters.flatMap { [$0.announced, $0.withdrawn] }
        }
        return (events, updates, [s.updates, s.announced, s.withdrawn, s.watchedAnnouncements, s.watchedWithdrawals,
                                  s.rovValid, s.rovInvalid, s.rovNotFound], pipeline?.isAbandoned ?? false, sessionRoutes,
                readAhead)
    }

    /// Set once, from any thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    @Test("the same events, in the same order, as the one-thread feed; with tiny batches too",
          arguments: [(512 << 10, 4096, 4), (512 << 10, 64, 4), (1 << 16, 4096, 2), (1 << 16, 1, 2), (1 << 16, 3, 2), (0, 2, 0)])
    func sameAsOneThread(bytes: Int, items: Int, batches: Int) throws {
        let reference = try Self.replay(pipeline: nil)
        #expect(reference.events.count >= 12, "the demo capture raises its scenario incidents")
        #expect(reference.updates > 100)
        let piped = try Self.replay(pipeline: (bytes, items, batches))
        #expect(piped.updates == reference.updates)
        #expect(piped.counters == reference.counters)
        #expect(piped.events == reference.events)
    }

    /// The pipeline keeps most UPDATEs from the engine (`UpdateTriage`) and counts them itself, RFC 6811
    /// outcomes included: the engine's counters must come out the same as when it saw every UPDATE.
    @Test("the same counters and RFC 6811 outcomes with an RPKI data set")
    func sameCountersWithRPKI() throws {
        let reference = try Self.replay(pipeline: nil, rpki: true)
        let rov = reference.counters[5...].reduce(0, +)
        #expect(reference.counters[0] == reference.updates)
        #expect(rov > 0 && rov <= reference.counters[1], "every announced prefix validated once")
        #expect(reference.counters[5] > 0 && reference.counters[6] > 0, "the demo has valid and invalid routes")
        let piped = try Self.replay(pipeline: (512 << 10, 64, 2), rpki: true)
        #expect(piped.counters == reference.counters)
        #expect(piped.events == reference.events)
    }

    /// Replay reads the capture while the data sets load: the engine must take them before its first event,
    /// and RFC 6811 counting must wait for them, so that nothing differs from having them at once; with small
    /// queues the capture side also waits for the load.
    @Test("data sets that arrive late give the same events and counters; a failed load applies nothing",
          arguments: [(512 << 10, 4096, 4), (1 << 16, 2, 2)])
    func pendingDataSets(bytes: Int, items: Int, batches: Int) throws {
        let reference = try Self.replay(pipeline: nil, rpki: true)
        #expect(reference.events.contains { $0.contains("\"type\":\"rpki-invalid\"") }, "the data set changes the events")
        let late = try Self.replay(pipeline: (bytes, items, batches), rpki: true, delivery: .pending)
        #expect(late.counters == reference.counters)
        #expect(late.events == reference.events)
        #expect(!late.abandoned)
        let failed = try Self.replay(pipeline: (bytes, items, batches), rpki: true, delivery: .failing)
        #expect(failed.events.isEmpty && failed.abandoned)
    }

    /// Replay's capture side on two threads (`CaptureRelay`): frames on the caller's thread, UPDATE parsing and
    /// triage on the parse thread. Tiny shapes make batches end on entry counts, on arena space, and between
    /// an UPDATE and the facts sent before it.
    @Test("relayed to a parse thread: the same events, counters and per-session route counts",
          arguments: [(256 << 10, 2048, 4), (1 << 16, 64, 2), (1 << 16, 1, 2), (1 << 16, 3, 2), (0, 2, 0)])
    func relayedSameAsOneThread(bytes: Int, entries: Int, batches: Int) throws {
        let reference = try Self.replay(pipeline: nil)
        #expect(reference.sessionRoutes.reduce(0, +) >= reference.counters[1], "routes counted on their sessions")
        for pipeline in [(512 << 10, 4096, 4), (1 << 16, 3, 2)] {
            for updateSink in [false, true] {
                let relayed = try Self.replay(pipeline: pipeline, relay: (bytes, entries, batches),
                                              updateSink: updateSink)
                #expect(relayed.updates == reference.updates)
                #expect(relayed.counters == reference.counters)
                #expect(relayed.events == reference.events)
                #expect(relayed.sessionRoutes == reference.sessionRoutes)
            }
        }
    }

    /// The decoding context can change between two UPDATEs of a session with no other event in between
    /// (inferred mid-session, or configured): the relay's UPDATE path tells by the session's `contextChanges`.
    @Test("relayed through the decoder's UPDATE handler: a context changed between two UPDATEs is used from the next")
    func relayedContextChange() throws {
        let asFound = try Self.replay(pipeline: nil)
        let reference = try Self.replay(pipeline: nil, twoOctetFromUpdate: 40)
        #expect(reference.counters != asFound.counters, "2-octet reading changes what the UPDATEs say")
        for relayShape in [(256 << 10, 2048, 4), (1 << 16, 3, 2)] {
            for updateSink in [false, true] {
                let relayed = try Self.replay(pipeline: (1 << 16, 3, 2), relay: relayShape,
                                              updateSink: updateSink, twoOctetFromUpdate: 40)
                #expect(relayed.counters == reference.counters)
                #expect(relayed.events == reference.events)
                #expect(relayed.sessionRoutes == reference.sessionRoutes)
            }
        }
    }

    @Test("relayed, with an RPKI data set arriving late: the same events and RFC 6811 counts; a failed load applies nothing")
    func relayedWithPendingDataSets() throws {
        let reference = try Self.replay(pipeline: nil, rpki: true)
        let late = try Self.replay(pipeline: (1 << 16, 3, 2), rpki: true, delivery: .pending, relay: (1 << 16, 5, 2))
        #expect(late.counters == reference.counters)
        #expect(late.events == reference.events)
        #expect(late.sessionRoutes == reference.sessionRoutes)
        let failed = try Self.replay(pipeline: (1 << 16, 3, 2), rpki: true, delivery: .failing, relay: (1 << 16, 5, 2))
        #expect(failed.events.isEmpty && failed.abandoned)
    }

    /// Replay reads the capture while the registry loads (`PendingRegistry`): the triage and the engine take it
    /// before their first UPDATE, and meanwhile the relay lets the capture thread fill more batches than its
    /// bound (here all of the demo's ~215 five-entry batches, against a bound of 2).
    @Test("a registry that arrives late: the same events and counters, the capture read ahead; a failed load applies nothing")
    func relayedWithPendingRegistry() throws {
        let reference = try Self.replay(pipeline: nil)
        let late = try Self.replay(pipeline: (1 << 16, 3, 2), registryDelivery: .pending, relay: (1 << 16, 5, 2))
        let readAhead = late.readAhead
        #expect(readAhead, "the capture thread waited for the registry")
        #expect(late.updates == reference.updates)
        #expect(late.counters == reference.counters)
        #expect(late.events == reference.events)
        #expect(late.sessionRoutes == reference.sessionRoutes)
        #expect(!late.abandoned)
        let unrelayed = try Self.replay(pipeline: (512 << 10, 4096, 4), registryDelivery: .failing)
        #expect(unrelayed.events.isEmpty && unrelayed.abandoned)
        let failed = try Self.replay(pipeline: (1 << 16, 3, 2), registryDelivery: .failing, relay: (1 << 16, 5, 2))
        #expect(failed.events.isEmpty && failed.abandoned)
    }
}

/// A `CapturedUpdateSink` that calls a closure (the tests switch decoding contexts on the way).
private final class UpdateSink: CapturedUpdateSink {
    let body: (CapturedUpdate, BGPSession) -> Void
    init(_ body: @escaping (CapturedUpdate, BGPSession) -> Void) { self.body = body }
    func capture(_ update: CapturedUpdate, session: BGPSession) { body(update, session) }
}
