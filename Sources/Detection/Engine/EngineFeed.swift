import BGPWire
import PacketCapture

/// Capture events → detection-engine calls: the glue `replay` and the daemon share. It decides who the
/// neighbour of a session is (docs/DETECTION.md, "Vantage point"), fills in what configuration knows about
/// neighbours whose OPEN was not captured, and turns session ends into causes.
public final class EngineFeed {
    public let engine: DetectionEngine
    /// The capture source now being read, for evidence.
    public var currentSource = ""
    /// Per-neighbour facts from configuration, by address.
    public var neighbors: [IPAddress: NeighborFacts] = [:]
    public var localAddresses: Set<IPAddress> = []
    public var localASNs: [ASN] = []
    /// Called for each UPDATE before the engine sees it (replay's tally, the daemon's restored alerts).
    public var beforeUpdate: ((UpdateView, CapturedMessage) -> Void)?
    /// Called after the engine handled an UPDATE.
    public var afterUpdate: ((UpdateView, CapturedMessage) -> Void)?
    /// Called when a neighbour's OPEN was seen or its session closed (the daemon's restored alerts).
    public var sessionChanged: ((SessionInfo, _ closed: Bool, _ time: Int64) -> Void)?

    public init(engine: DetectionEngine) { self.engine = engine }

    /// Applies configured decoding facts to a new session (`CaptureDecoder.sessionStarted`).
    public func sessionStarted(_ session: BGPSession) {
        for d in 0..<2 {
            if let facts = neighbors[session.endpoints[d].address], let context = facts.context {
                session.configure(context, forSender: d)
            }
        }
    }

    /// Handles one capture event at once (the daemon): `prepare`, then `apply`.
    public func handle(_ event: CaptureEvent) {
        if case .message(let m) = event, m.type == .update {
            let view = UpdateView(m.bytes, context: m.context)
            let item = prepare(update: view, m)
            beforeUpdate?(view, m)
            apply(item)
            afterUpdate?(view, m)
        } else if let item = prepare(event) {
            apply(item)
        }
    }

    /// The capture side of an UPDATE: counts its routes on the session and fixes what the engine needs to
    /// know about it now (the session's facts may change with the next message).
    public func prepare(update view: UpdateView, _ m: CapturedMessage) -> FeedItem {
        countOnSession(view, m)
        return item(update: view, m)
    }

    /// The session's route counters (the summary's per-session figures), for every UPDATE.
    public func countOnSession(_ view: UpdateView, _ m: CapturedMessage) {
        m.session.counters[m.sender].announced += view.announcedCount
        m.session.counters[m.sender].withdrawn += view.withdrawnTotal
    }

    /// The engine's event for an UPDATE, without counting it on its session (`countOnSession` did).
    public func item(update view: UpdateView, _ m: CapturedMessage) -> FeedItem {
        .update(view, session: info(m.session, neighbor: m.sender),
                position: SourcePosition(source: currentSource, frame: m.frame), time: m.time.microseconds)
    }

    /// The capture side of any other event: an OPEN, or a session's end with its cause and evidence; `nil`
    /// when the engine has nothing to do (KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, end of a replayed file).
    /// An UPDATE goes through `prepare(update:_:)`.
    public func prepare(_ event: CaptureEvent) -> FeedItem? {
        switch event {
        case .message(let m):
            switch m.type {
            case .update:
                return prepare(update: UpdateView(m.bytes, context: m.context), m)
            case .open:
                return .established(info(m.session, neighbor: m.sender), time: m.time.microseconds)
            case .notification, .keepalive, .routeRefresh:
                return nil
            }
        case .sessionClosed(let session, let reason):
            // The end of a replayed file is not the end of the session: its routes and alerts stay as they
            // are, and open alerts are reported as open (docs/DETECTION.md, "Alert lifecycle").
            guard reason != .endOfCapture else { return nil }
            let neighbor = neighborIndex(session)
            var evidence: Evidence?
            if let n = session.lastNotification {
                evidence = Evidence(position: SourcePosition(source: currentSource, frame: session.lastNotificationFrame),
                                    message: BGPMessage.notification(n).encoded())
            }
            return .closed(info(session, neighbor: neighbor), cause: Self.cause(session, reason),
                           time: session.lastSeen.microseconds, evidence: evidence)
        }
    }

    /// The engine side: hands a prepared event to the engine. Touches nothing of the capture side.
    /// `countedUpstream`: UPDATEs were counted before (see `DetectionEngine.process`).
    public func apply(_ item: FeedItem, countedUpstream: Bool = false) {
        switch item {
        case .update(let view, let session, let position, let time):
            engine.process(update: view, session: session, position: position, time: time, countedUpstream: countedUpstream)
        case .established(let s, let time):
            engine.sessionEstablished(s, time: time)
            sessionChanged?(s, false, time)
        case .closed(let s, let cause, let time, let evidence):
            engine.sessionClosed(s, cause: cause, time: time, evidence: evidence)
            sessionChanged?(s, true, time)
        }
    }

    /// `apply` of an event counted by a triage in front of the engine (`FeedPipeline`): an UPDATE goes with the
    /// triage's verdict on its routes.
    func apply(_ item: FeedItem, verdict: TriageVerdict?) {
        if case .update(let view, let session, let position, let time) = item {
            engine.process(update: view, session: session, position: position, time: time, verdict: verdict)
        } else {
            apply(item, countedUpstream: true)
        }
    }

    /// The session as seen from the receiving router, with endpoint `neighbor` as the neighbour; what the
    /// OPENs did not say comes from configuration.
    public func info(_ s: BGPSession, neighbor d: Int) -> SessionInfo {
        let neighborAddress = s.endpoints[d].address
        let facts = neighbors.isEmpty ? nil : neighbors[neighborAddress]  // per UPDATE: no hashing without config
        return SessionInfo(id: s.id, local: s.endpoints[1 - d].address, neighbor: neighborAddress,
                           localASN: s.asn(1 - d) ?? (localASNs.count == 1 ? localASNs[0] : nil),
                           neighborASN: s.asn(d) ?? facts?.asn, role: s.role(d) ?? facts?.role, localRole: s.role(1 - d))
    }

    /// The neighbour of a session: the side that is not a configured local address; without configuration,
    /// the side that announced routes (more UPDATEs).
    public func neighborIndex(_ s: BGPSession) -> Int {
        if localAddresses.contains(s.endpoints[0].address) { return 1 }
        if localAddresses.contains(s.endpoints[1].address) { return 0 }
        return s.counters[1].updates > s.counters[0].updates ? 1 : 0
    }

    /// Why a session is down, or `nil` when its end is not a failure (end of capture, eviction).
    public static func cause(_ s: BGPSession, _ reason: SessionCloseReason) -> String? {
        // A connection that never carried a BGP message (refused or aborted attempt) was never a session.
        guard s.carriedMessages else { return nil }
        switch reason {
        case .notification:
            guard let n = s.lastNotification else { return "NOTIFICATION" }
            var text = "NOTIFICATION \(n.codeName)/\(n.subcodeName ?? String(n.subcode))"
            if let c = n.shutdownCommunication { text += " \"\(c)\"" }
            return text
        case .fin: return "TCP connection closed (FIN)"
        case .rst: return "TCP connection reset (RST)"
        case .idle: return "no traffic for the idle timeout"
        case .newConnection: return "replaced by a new TCP connection"
        case .endOfCapture, .evicted: return nil
        }
    }
}

/// A capture event made ready for the engine by `EngineFeed.prepare`: everything it needs that lives on the
/// capture side (session facts, close cause, evidence) is fixed in it, so it can be applied on another thread.
public enum FeedItem {
    /// An UPDATE's view (its bytes must stay valid until it is applied) and what it was received on.
    case update(UpdateView, session: SessionInfo, position: SourcePosition, time: Int64)
    /// An OPEN from the session's neighbour.
    case established(SessionInfo, time: Int64)
    /// A session ended; `cause` is `nil` when the end is not a failure.
    case closed(SessionInfo, cause: String?, time: Int64, evidence: Evidence?)
}
