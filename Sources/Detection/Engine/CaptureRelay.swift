import BGPWire
import Foundation
import PacketCapture

/// Replay's capture side on two threads: the caller's thread reads frames, reassembles TCP and frames BGP
/// messages (`CaptureDecoder`), and hands each UPDATE's bytes to a parse thread, which reads them
/// (`UpdateView`), counts them and runs the `FeedPipeline`'s capture side (triage, then the engine's queue).
/// In a full table parsing and triage are most of a replay's work: on its own thread it overlaps the reading
/// of the next frames (docs/ARCHITECTURE.md, "`replay` runs on three threads").
///
/// Everything the parse thread needs is fixed on the caller's thread, in order, in the entries of a batch:
/// the UPDATE's bytes (copied once into the batch's arena), its frame, time and decoding context, the session
/// facts (`SessionInfo`, sent again only when they may have changed) and the capture source; other events are
/// prepared there (`EngineFeed.prepare`) and passed through as they are. So the parse thread never touches a
/// `BGPSession`, which the decoder keeps changing: the per-session route counts it finds go back with the
/// batch and are added to their sessions on the caller's thread when the batch is reused, or in `finish()`.
/// At most `maximumBatches` batches exist (bounded memory: the caller waits when the parse thread falls
/// behind); the engine sees the same events in the same order as with `FeedPipeline.handle` alone.
public final class CaptureRelay: CapturedUpdateSink, @unchecked Sendable {
    /// An UPDATE waiting in a batch: where its bytes are in the arena, and where it was captured. A plain
    /// value, so that handing it over costs no reference counting.
    struct RelayedUpdate {
        var offset: Int32
        var length: Int32
        var frame: Int
        var time: Int64
    }

    /// How the following UPDATEs are to be read and what they were received on: sent again when the session,
    /// the sending side or the decoding context (inferred mid-session, or negotiated by an OPEN) changes.
    struct Facts {
        var session: SessionInfo
        var context: DecodingContext
    }

    /// The rare entries are boxed (`indirect`), so that an entry is the size of a `RelayedUpdate`.
    enum Entry {
        case update(RelayedUpdate)
        indirect case facts(Facts)
        /// The capture source the following UPDATEs come from.
        case source(String)
        /// Any other event, prepared on the capture thread.
        indirect case prepared(FeedItem)
    }

    /// Consecutive entries of one session's side: where the parse thread's route counts go.
    struct SessionRun {
        let session: BGPSession
        let sender: Int
        var entries: Range<Int>
    }

    /// Entries, the arena holding their UPDATE bytes, and per entry the routes (announced, withdrawn) the
    /// parse thread counted. The parse thread moves the entries out; the capture thread adds the counts to the
    /// sessions of `runs` when it reuses the batch (`settle`).
    private final class Batch {
        var arena: MessageArena
        let entries: UnsafeMutablePointer<Entry>
        let routeCounts: UnsafeMutablePointer<(announced: Int32, withdrawn: Int32)>
        let capacity: Int
        private(set) var count = 0
        /// True once the parse thread moved the entries out.
        var consumed = false
        /// The runs closed so far, and the one UPDATEs are being appended to (its session by identity, held in
        /// `openRunSession`, and its first entry; it ends where the batch does): tested per UPDATE, the last run
        /// of the array was bounds-checked, uniqueness-checked and rewritten each time.
        private(set) var runs: [SessionRun] = []
        private var openRunID: ObjectIdentifier?
        private var openRunSession: BGPSession?
        private var openRunSender = 0
        private var openRunStart = 0
        /// Keeps the next object off this one's cache lines (the two threads write batches side by side).
        private let padding = CacheLinePadding()

        init(bytes: Int, entries: Int) {
            arena = MessageArena(capacity: bytes)
            self.entries = UnsafeMutablePointer<Entry>.allocate(capacity: entries)
            routeCounts = UnsafeMutablePointer.allocate(capacity: entries)
            capacity = entries
        }

        deinit {
            if !consumed { entries.deinitialize(count: count) }
            entries.deallocate()
            routeCounts.deallocate()
            arena.deallocate()
        }

        var isFull: Bool { count == capacity }

        /// Copies `bytes` into the arena: their offset, or `nil` when they do not fit.
        func store(_ bytes: UnsafeRawBufferPointer) -> Int? { arena.store(bytes) }

        func append(_ entry: Entry) {
            (entries + count).initialize(to: entry)
            count += 1
        }

        /// Appends an UPDATE received on `session` from `sender`.
        func append(_ update: RelayedUpdate, session: BGPSession, sender: Int) {
            if openRunID != ObjectIdentifier(session) || openRunSender != sender {
                closeRun()
                openRunID = ObjectIdentifier(session)
                openRunSession = session
                openRunSender = sender
                openRunStart = count
            }
            append(.update(update))
        }

        /// Ends the open run where the batch ends now (the entries after its last UPDATE count no routes).
        private func closeRun() {
            if let session = openRunSession {
                runs.append(SessionRun(session: session, sender: openRunSender, entries: openRunStart..<count))
            }
            openRunID = nil
            openRunSession = nil
        }

        /// Capture thread, for a batch the parse thread is done with: adds the counted routes to their sessions
        /// and empties the batch.
        func settle() {
            closeRun()
            for run in runs {
                var announced = 0, withdrawn = 0
                for i in run.entries {
                    announced += Int(routeCounts[i].announced)
                    withdrawn += Int(routeCounts[i].withdrawn)
                }
                run.session.counters[run.sender].announced += announced
                run.session.counters[run.sender].withdrawn += withdrawn
            }
            runs.removeAll(keepingCapacity: true)
            if !consumed { entries.deinitialize(count: count) }
            consumed = false
            count = 0
            arena.removeAll()
        }
    }

    public let pipeline: FeedPipeline
    private let malformed: ((UpdateView) -> Void)?
    private let counted: ((UpdateView) -> Void)?
    /// Runs first on the parse thread (replay places it: `CPUPlacement`).
    private let parseThreadStarted: (@Sendable () -> Void)?
    private let batchBytes: Int
    private let batchEntries: Int
    private let maximumBatches: Int
    /// The bound while the pipeline waits for its registry (`PendingRegistry`): the capture thread reads ahead.
    private let batchesWhileAwaitingRegistry: Int
    /// Filled batches to the parse thread, parsed ones back (their route counts still to be added to their
    /// sessions); its lock also guards `routesParsed`.
    private let queue: BatchQueue<Batch>
    private var routesParsed = 0

    // Capture thread only.
    private var filling: Batch? {
        didSet { fillingRef = filling.map { Unmanaged.passUnretained($0) } }
    }
    /// `filling`, lent without reference counting (`filling` keeps it alive): held in a local per UPDATE, the
    /// batch was retained and released each time (4 % of the capture thread).
    private var fillingRef: Unmanaged<Batch>?
    private var parseThread: JoinableThread<Void, Never>?
    private var finished = false
    /// What the parse thread holds facts for: the session (by identity, `nil` after any event other than an
    /// UPDATE: an OPEN may change the facts), side and context, and the session's `contextChanges` then (-1 when
    /// they came with an event). Plain values, read for every UPDATE: an optional tuple holding the session and
    /// context was copied through the runtime's generic tuple witnesses each time.
    private var factsSession: ObjectIdentifier?
    /// Keeps that session alive, so that no other object can take its identity.
    private var factsSessionHeld: BGPSession?
    private var factsSender = 0
    private var factsContext = DecodingContext()
    private var factsContextChanges = -1
    /// Whether the parse thread was told the current source.
    private var sourceSent = false

    /// `malformed` sees the view of every UPDATE whose reading recorded an error, `counted` every UPDATE's, on the
    /// parse thread (replay's malformed tally, tests; read after `finish()`): a well-formed UPDATE is not handed
    /// to a closure that has nothing to do with it (the call and the view's copy for it were 5 % of the parse
    /// thread). While the pipeline waits for a pending registry, up to `batchesWhileAwaitingRegistry` batches fill
    /// (16 MiB by default: about what the capture thread reads of a full table in the ~25 ms a 10,000-prefix
    /// registry takes to load; with 8 MiB it waited half of that time).
    public init(pipeline: FeedPipeline, batchBytes: Int = 256 << 10, batchEntries: Int = 2048, maximumBatches: Int = 4,
                batchesWhileAwaitingRegistry: Int = 64, malformed: ((UpdateView) -> Void)? = nil,
                counted: ((UpdateView) -> Void)? = nil, parseThreadStarted: (@Sendable () -> Void)? = nil) {
        self.pipeline = pipeline
        self.parseThreadStarted = parseThreadStarted
        self.malformed = malformed
        self.counted = counted
        self.batchBytes = max(batchBytes, 1 << 16)
        self.batchEntries = max(batchEntries, 1)
        self.maximumBatches = max(maximumBatches, 2)
        self.batchesWhileAwaitingRegistry = max(batchesWhileAwaitingRegistry, self.maximumBatches)
        queue = BatchQueue(maximumBatches: self.maximumBatches)
    }

    /// The capture source being read, for evidence (the feed's `currentSource`): while the relay runs, set it
    /// here, so that the parse thread is told.
    public var currentSource: String {
        get { pipeline.feed.currentSource }
        set {
            pipeline.feed.currentSource = newValue
            sourceSent = false
        }
    }

    /// Routes (announced and withdrawn) the parse thread has counted so far, for a progress line.
    public var routesCounted: Int { queue.withLock { routesParsed } }

    /// Capture thread: relays one event.
    public func handle(_ event: CaptureEvent) {
        startParserIfNeeded()
        guard case .message(let m) = event, m.type == .update else {
            factsSession = nil
            if let item = pipeline.feed.prepare(event) { append(.prepared(item)) }
            return
        }
        sendSourceIfNeeded()
        if factsSession != ObjectIdentifier(m.session) || factsSender != m.sender || factsContext != m.context {
            sendFacts(session: m.session, sender: m.sender, context: m.context, contextChanges: -1)
        }
        relay(m.bytes, frame: m.frame, time: m.time, session: m.session, sender: m.sender)
    }

    /// Capture thread: relays one UPDATE as `CaptureDecoder` hands it to its `CapturedUpdateSink` — the same as
    /// `handle(.message(…))`, without the event: building, copying and destroying one cost four reference
    /// count changes of its session and context per UPDATE, some 14 % of the capture thread. Whether the parse
    /// thread's facts are still current is told by the session's `contextChanges`.
    public func capture(_ update: CapturedUpdate, session: BGPSession) {
        startParserIfNeeded()
        sendSourceIfNeeded()
        if factsSession != ObjectIdentifier(session) || factsSender != update.sender
            || factsContextChanges != session.contextChanges {
            sendFacts(session: session, sender: update.sender, context: session.contexts[update.sender],
                      contextChanges: session.contextChanges)
        }
        relay(update.bytes, frame: update.frame, time: update.time, session: session, sender: update.sender)
    }

    private func startParserIfNeeded() {
        precondition(!finished, "CaptureRelay.handle after finish(): nothing would parse the event")
        if parseThread == nil {
            // Started with the first event, so that it runs at the caller's priority of that moment.
            parseThread = JoinableThread { [self] in runParser() }
        }
    }

    /// Tells the parse thread the capture source, when it is new.
    private func sendSourceIfNeeded() {
        guard !sourceSent else { return }
        append(.source(currentSource))
        sourceSent = true
    }

    /// Tells the parse thread how the following UPDATEs are to be read.
    private func sendFacts(session: BGPSession, sender: Int, context: DecodingContext, contextChanges: Int) {
        append(.facts(Facts(session: pipeline.feed.info(session, neighbor: sender), context: context)))
        factsSession = ObjectIdentifier(session)
        factsSessionHeld = session
        factsSender = sender
        factsContext = context
        factsContextChanges = contextChanges
    }

    /// Copies an UPDATE's bytes into the batch being filled, with where it was captured.
    private func relay(_ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime, session: BGPSession,
                       sender: Int) {
        if fillingRef == nil { _ = nextBatch() }
        guard var batch = fillingRef else { preconditionFailure("CaptureRelay: no batch to fill") }
        // A message's length is a 16-bit field: it always fits in an empty arena (≥ 64 KiB).
        let offset: Int
        if let o = batch._withUnsafeGuaranteedRef({ $0.store(bytes) }) {
            offset = o
        } else {
            batch = Unmanaged.passUnretained(batch._withUnsafeGuaranteedRef { send($0) })
            guard let o = batch._withUnsafeGuaranteedRef({ $0.store(bytes) }) else {
                preconditionFailure("a \(bytes.count)-byte BGP message does not fit an empty \(batchBytes)-byte arena")
            }
            offset = o
        }
        let update = RelayedUpdate(offset: Int32(offset), length: Int32(bytes.count), frame: frame,
                                   time: time.microseconds)
        let full = batch._withUnsafeGuaranteedRef { filled in
            filled.append(update, session: session, sender: sender)
            return filled.isFull
        }
        if full { _ = batch._withUnsafeGuaranteedRef { send($0, next: false) } }
    }

    /// Capture thread, after the last event: hands over what is left, waits for the parse thread, adds the last
    /// route counts to their sessions and finishes the pipeline (the engine has then applied everything).
    /// Must be called; later calls do nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        if let batch = filling, batch.count > 0 { send(batch, next: false) }
        filling = nil
        queue.end()
        parseThread?.join()
        parseThread = nil
        for batch in queue.removeFree() { batch.settle() }
        pipeline.finish()
    }

    private func append(_ entry: Entry) {
        let batch = filling ?? nextBatch()
        batch.append(entry)
        if batch.isFull { send(batch, next: false) }
    }

    /// Queues `batch` for the parse thread and, when `next`, returns the next one to fill. The queue holds the
    /// batch before `filling` lets go of it: `relay` lends it through `fillingRef`, unretained.
    @discardableResult
    private func send(_ batch: Batch, next: Bool = true) -> Batch {
        queue.submit(batch)
        filling = nil
        return next ? nextBatch() : batch
    }

    /// A free batch: a returned one (its route counts added to their sessions first), a new one while fewer
    /// than `maximumBatches` exist, else the next to be returned.
    private func nextBatch() -> Batch {
        let batch: Batch
        if let reused = queue.takeFree(surplus: { $0.settle() }) {
            reused.settle()
            batch = reused
        } else {
            batch = Batch(bytes: batchBytes, entries: batchEntries)
        }
        filling = batch
        return batch
    }

    /// Parse thread: reads the batches in order until the capture thread has finished; first waits for the
    /// pipeline's registry, if it is still loading, while the capture thread reads ahead.
    private func runParser() {
        parseThreadStarted?()
        if !pipeline.hasRegistry {
            queue.setMaximumBatches(batchesWhileAwaitingRegistry)
            pipeline.awaitRegistry()
            queue.setMaximumBatches(maximumBatches)
        }
        var state = ParseState()
        while true {
            guard let batch = queue.takeFull() else { return }
            let routes = parse(batch, &state)
            queue.giveBack(batch) { routesParsed += routes }
        }
    }

    /// What the parse thread was told so far, kept in place: the facts are read where they are for each UPDATE
    /// (copying them out was a tenth of the parse thread's memory traffic).
    private struct ParseState {
        var hasFacts = false
        var session = SessionInfo(id: 0, local: .v4(IPv4Address(0)), neighbor: .v4(IPv4Address(0)))
        var context = DecodingContext()
        var source = ""
    }

    /// Parse thread: moves the entries of `batch` out, reads and forwards its UPDATEs; returns how many routes
    /// they carried.
    private func parse(_ batch: Batch, _ state: inout ParseState) -> Int {
        var routes = 0
        let arena = batch.arena
        // Read once per batch, not per UPDATE: the capture thread writes this object's fields beside them.
        let pipeline = self.pipeline, counted = self.counted, malformed = self.malformed
        batch.consumed = true
        for i in 0..<batch.count {
            batch.routeCounts[i] = (0, 0)
            switch (batch.entries + i).move() {
            case .update(let u):
                precondition(state.hasFacts, "CaptureRelay: an UPDATE before its session's facts")
                let bytes = arena.bytes(at: Int(u.offset), count: Int(u.length))
                let view = UpdateView(bytes, context: state.context)
                if let counted { counted(view) }
                if view.hasErrors, let malformed { malformed(view) }
                let announced = view.announcedCount, withdrawn = view.withdrawnTotal
                batch.routeCounts[i] = (Int32(truncatingIfNeeded: announced), Int32(truncatingIfNeeded: withdrawn))
                routes += announced + withdrawn
                pipeline.forward(view) { copy in
                    .update(copy, session: state.session, position: SourcePosition(source: state.source, frame: u.frame),
                            time: u.time)
                }
            case .facts(let f):
                state.hasFacts = true
                state.session = f.session
                state.context = f.context
            case .source(let s):
                state.source = s
            case .prepared(let item):
                pipeline.forward(prepared: item)
            }
        }
        return routes
    }
}
