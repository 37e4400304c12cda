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

    public func handle(_ event: CaptureEvent) {
        switch event {
        case .message(let m):
            switch m.type {
            case .update:
                let view = UpdateView(m.bytes, context: m.context)
                m.session.counters[m.sender].announced += view.announcedCount
                m.session.counters[m.sender].withdrawn += view.withdrawnTotal
                beforeUpdate?(view, m)
                engine.process(update: view, session: info(m.session, neighbor: m.sender),
                               position: SourcePosition(source: currentSource, frame: m.frame), time: m.time.microseconds)
                afterUpdate?(view, m)
            case .open:
                let s = info(m.session, neighbor: m.sender)
                engine.sessionEstablished(s, time: m.time.microseconds)
                sessionChanged?(s, false, m.time.microseconds)
            case .notification, .keepalive, .routeRefresh:
                break
            }
        case .sessionClosed(let session, let reason):
            // The end of a replayed file is not the end of the session: its routes and alerts stay as they
            // are, and open alerts are reported as open (docs/DETECTION.md, "Alert lifecycle").
            guard reason != .endOfCapture else { return }
            let neighbor = neighborIndex(session)
            var evidence: Evidence?
            if let n = session.lastNotification {
                evidence = Evidence(position: SourcePosition(source: currentSource, frame: session.lastNotificationFrame),
                                    message: BGPMessage.notification(n).encoded())
            }
            let s = info(session, neighbor: neighbor)
            engine.sessionClosed(s, cause: Self.cause(session, reason), time: session.lastSeen.microseconds, evidence: evidence)
            sessionChanged?(s, true, session.lastSeen.microseconds)
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
