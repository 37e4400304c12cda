import BGPWire
import Foundation
import PacketCapture

/// `EngineFeed` on two threads, for `replay`: the capture side counts every UPDATE and keeps back the ones no
/// watched route is in (`UpdateTriage`), while a thread of its own runs the detection engine on the rest
/// (`EngineFeed.apply`) with the triage's verdict on their routes. The capture side is the caller of `handle`
/// or, in `replay`, of `forward` — `CaptureRelay`'s parse thread. In a full table almost every UPDATE stays on
/// the capture side.
///
/// UPDATE bytes live only for the caller's turn, so each UPDATE that goes on is copied once into the arena
/// of the batch being filled, its `UpdateView` rebased there. Batches go to the engine thread in order, through
/// a queue of at most `maximumBatches` (bounded memory: the capture side waits when the engine falls behind),
/// and come back for reuse; the engine sees the same watched routes in the same order as with `handle`, and the
/// counts at `finish()`, so the output is the same byte for byte. With `PendingDataSets` the engine thread
/// first waits for the data sets (the capture side reads on until the queues are full), so that loading them
/// overlaps decoding; with a `PendingRegistry` the capture side's triage and the engine wait for the registry
/// the same way. The daemon keeps the one-thread `EngineFeed.handle`: its hooks see live messages.
public final class FeedPipeline: @unchecked Sendable {
    /// Prepared events and the arena holding their UPDATE bytes. The events sit in a buffer of their own:
    /// moved in when prepared and moved out when applied, so an event is never copied (its view and session
    /// facts hold references; an array of them paid a retain and a release per copy).
    private final class Batch {
        var arena: MessageArena
        let items: UnsafeMutablePointer<FeedItem>
        /// The triage's verdict on each UPDATE item (which of its routes are watched), `nil` for other items.
        let verdicts: UnsafeMutablePointer<TriageVerdict?>
        let capacity: Int
        private(set) var count = 0
        /// Keeps the next object off this one's cache lines (the two threads write batches side by side).
        private let padding = CacheLinePadding()

        init(bytes: Int, items: Int) {
            arena = MessageArena(capacity: bytes)
            self.items = UnsafeMutablePointer<FeedItem>.allocate(capacity: items)
            verdicts = UnsafeMutablePointer<TriageVerdict?>.allocate(capacity: items)
            capacity = items
        }

        deinit {
            items.deinitialize(count: count)
            items.deallocate()
            verdicts.deallocate()
            arena.deallocate()
        }

        var isFull: Bool { count == capacity }

        /// A copy of `bytes` in the arena, or `nil` when it does not fit.
        func store(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
            arena.store(bytes).map { arena.bytes(at: $0, count: bytes.count) }
        }

        func append(_ item: consuming FeedItem, verdict: TriageVerdict?) {
            (items + count).initialize(to: item)
            (verdicts + count).initialize(to: verdict)
            count += 1
        }

        /// Moves each event out to `body`, in order, and empties the batch.
        func drain(_ body: (consuming FeedItem, TriageVerdict?) -> Void) {
            for i in 0..<count { body((items + i).move(), verdicts[i]) }
            count = 0
            arena.removeAll()
        }
    }

    public let feed: EngineFeed
    /// Capture side only; judging by an empty registry until `hasRegistry`. (Not an optional: its verdict through
    /// optional chaining copied the whole triage out and back for every UPDATE.)
    private var triage: UpdateTriage
    /// Capture side: whether the triage has its registry (it was not pending, or has arrived).
    public private(set) var hasRegistry: Bool
    /// Capture side only: how the triage counts RFC 6811 outcomes (kept for a triage built late).
    private let validation: OriginValidationCounter
    private let pendingRegistry: PendingRegistry?
    /// Capture side only: the pending registry failed to load (asked once).
    private var registryFailed = false
    /// Arena size: larger than any BGP message (65,535 bytes with RFC 8654).
    private let batchBytes: Int
    private let batchItems: Int

    /// Filled batches to the engine thread, used ones back; its lock also guards `abandoned`.
    private let queue: BatchQueue<Batch>
    /// Set by `finish()`; only the capture side touches it.
    private var finished = false
    /// The batch being filled; only the capture side touches it.
    private var filling: Batch?
    private var engineThread: JoinableThread<Void, Never>?
    /// Set (under `queue`'s lock) when the pending registry or data sets failed to load: events are dropped, not
    /// applied.
    private var abandoned = false
    private let pendingDataSets: PendingDataSets?
    /// Runs first on the engine thread (replay places it: `CPUPlacement`).
    private let engineThreadStarted: (@Sendable () -> Void)?

    /// `pendingRegistry`: the registry still loading, which the triage takes before the first UPDATE and the
    /// engine (built with an empty one) before its first event; `pendingDataSets`: data sets still loading, which
    /// the engine (built without them) takes before its first event. If either fails, nothing is applied and
    /// `isAbandoned` turns true.
    public init(feed: EngineFeed, pendingRegistry: PendingRegistry? = nil, pendingDataSets: PendingDataSets? = nil,
                batchBytes: Int = 128 << 10, batchItems: Int = 256, maximumBatches: Int = 16,
                engineThreadStarted: (@Sendable () -> Void)? = nil) {
        self.feed = feed
        self.engineThreadStarted = engineThreadStarted
        self.pendingRegistry = pendingRegistry
        self.pendingDataSets = pendingDataSets
        if let pendingDataSets, pendingDataSets.includesRPKI {
            validation = OriginValidationCounter(loading: { pendingDataSets.wait()?.rpki })
        } else {
            validation = OriginValidationCounter(rpki: feed.engine.dataSets.rpki)
        }
        // With a pending registry, the engine's is an empty stand-in (replay builds it so) until it arrives.
        triage = UpdateTriage(registry: feed.engine.registry, validation: validation)
        hasRegistry = pendingRegistry == nil
        self.batchBytes = max(batchBytes, 1 << 16)
        self.batchItems = max(batchItems, 1)
        queue = BatchQueue(maximumBatches: max(maximumBatches, 2))
        engineThread = JoinableThread { [self] in runEngine() }
    }

    /// True once the pending registry or data sets failed to load: the caller may stop reading (nothing will be
    /// detected).
    public var isAbandoned: Bool { queue.withLock { abandoned } }

    /// Capture side: whether the triage has its registry — after waiting for a pending one (replay's parse thread
    /// calls it before its first UPDATE, so that it knows when it waits). False when the registry failed to load.
    @discardableResult
    public func awaitRegistry() -> Bool {
        if hasRegistry { return true }
        guard !registryFailed else { return false }
        guard let registry = pendingRegistry?.wait() else {
            registryFailed = true
            queue.withLock { abandoned = true }
            return false
        }
        triage = UpdateTriage(registry: registry, validation: validation)
        hasRegistry = true
        return true
    }

    /// Capture side: prepares one event; `counted` sees each UPDATE's view first (replay's tally).
    public func handle(_ event: CaptureEvent, counted: (UpdateView) -> Void) {
        precondition(!finished, "FeedPipeline.handle after finish(): nothing would apply the event")
        if case .message(let m) = event, m.type == .update {
            let view = UpdateView(m.bytes, context: m.context)
            counted(view)
            feed.countOnSession(view, m)
            forward(view) { copy in feed.item(update: copy, m) }
        } else if let item = feed.prepare(event) {
            append(item)
        }
    }

    /// Capture side, for an UPDATE read by the caller (`CaptureRelay`'s parse thread, which has counted it):
    /// when a route of `view` is watched, copies its bytes into the engine's queue and appends `item` of the
    /// copy. Triage counts it either way.
    func forward(_ view: UpdateView, item: (UpdateView) -> FeedItem) {
        precondition(!finished, "FeedPipeline.forward after finish(): nothing would apply the event")
        guard hasRegistry || awaitRegistry() else { return }
        let verdict = triage.verdict(view)
        guard verdict.concernsEngine else { return }
        let batch = filling ?? nextBatch()
        // A message's length is a 16-bit field: it always fits in an empty arena (≥ 64 KiB).
        guard let bytes = batch.store(view.bytes) ?? send(batch).store(view.bytes) else {
            preconditionFailure("a \(view.bytes.count)-byte BGP message does not fit an empty \(batchBytes)-byte arena")
        }
        append(item(view.rebased(onto: bytes)), verdict: verdict)
    }

    /// Capture side, for any other event prepared by the caller (`EngineFeed.prepare`).
    func forward(prepared item: FeedItem) {
        precondition(!finished, "FeedPipeline.forward after finish(): nothing would apply the event")
        append(item)
    }

    /// Capture side, after the last event: hands over what is left and waits until the engine applied all.
    /// Must be called (the engine thread holds the pipeline until then); later calls do nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        if let batch = filling, batch.count > 0 { _ = send(batch, next: false) }
        filling = nil
        queue.end()
        engineThread?.join()
        engineThread = nil
        if hasRegistry { feed.engine.absorbUpstreamCounts(triage.settle()) }
    }

    private func append(_ item: consuming FeedItem, verdict: TriageVerdict? = nil) {
        let batch = filling ?? nextBatch()
        batch.append(item, verdict: verdict)
        if batch.isFull { _ = send(batch) }
    }

    /// Queues `batch` for the engine and, unless `next` is false, returns the next one to fill.
    @discardableResult
    private func send(_ batch: Batch, next: Bool = true) -> Batch {
        filling = nil
        queue.submit(batch)
        return next ? nextBatch() : batch
    }

    /// A free batch: a returned one, a new one while fewer than `maximumBatches` exist, else the next to be
    /// returned (waiting for the engine).
    private func nextBatch() -> Batch {
        let batch = queue.takeFree() ?? Batch(bytes: batchBytes, items: batchItems)
        filling = batch
        return batch
    }

    /// Engine side: takes the pending registry and data sets, then applies the batches in order until the capture
    /// side has finished (or drops them, when the registry or the data sets failed to load).
    private func runEngine() {
        engineThreadStarted?()
        var applying = true
        if let pendingRegistry {
            if let loaded = pendingRegistry.wait() {
                feed.engine.replaceRegistry(loaded)
            } else {
                applying = false
                queue.withLock { abandoned = true }
            }
        }
        if applying, let pendingDataSets {
            if let loaded = pendingDataSets.wait() {
                feed.engine.replaceDataSets(loaded)
            } else {
                applying = false
                queue.withLock { abandoned = true }
            }
        }
        while true {
            guard let batch = queue.takeFull() else { return }
            batch.drain { item, verdict in
                if applying { feed.apply(item, verdict: verdict) }
            }
            queue.giveBack(batch)
        }
    }
}
