import BGPWire

/// Open alerts keyed by identity: fires once, counts observations, reminds after `renotifyAfter`, and
/// resolves when the last carrier of the offending route is gone.
public struct AlertBook: Sendable {
    public private(set) var open: [AlertIdentity: Alert] = [:]
    /// Capture-time interval after which a still-open alert fires a reminder on its next observation.
    public var renotifyAfterMicroseconds: Int64
    /// Upper bound on open alerts; beyond it new alerts are counted in `dropped` and not tracked.
    public var maximumOpen: Int
    public private(set) var dropped = 0
    public private(set) var fired: [AlertType: Int] = [:]
    public private(set) var resolvedCount: [AlertType: Int] = [:]

    public init(renotifyAfterMicroseconds: Int64 = 3_600_000_000, maximumOpen: Int = 100_000) {
        self.renotifyAfterMicroseconds = renotifyAfterMicroseconds
        self.maximumOpen = maximumOpen
    }

    /// Records one observation. `newCarrier` is true when a RIB entry starts carrying the route.
    /// `evidence` is only evaluated when an event is emitted (it copies the message bytes).
    mutating func observe(_ finding: Finding, path: ObservedPath?, session: SessionInfo?, time: Int64, newCarrier: Bool,
                          evidence: () -> Evidence?, emit: (AlertEvent) -> Void) {
        let id = finding.identity
        let observer = session.map { Observer(neighbor: $0.neighbor, neighborASN: $0.neighborASN) }
        if var alert = open[id] {
            alert.observations += 1
            alert.lastSeen = time
            if newCarrier { alert.carriers += 1 }
            if let observer { alert.seenBy.insert(observer) }
            alert.finding = finding
            let remind = time - alert.lastNotified >= renotifyAfterMicroseconds
            if remind { alert.lastNotified = time }
            open[id] = alert
            if remind { emit(AlertEvent(status: .firing, alert: alert, reason: nil, reminder: true, time: time)) }
            return
        }
        guard open.count < maximumOpen else {
            dropped += 1
            return
        }
        var alert = Alert(identity: id, finding: finding, path: path, session: session, firstSeen: time, lastSeen: time,
                          evidence: evidence(), carriers: newCarrier ? 1 : 0, lastNotified: time)
        if let observer { alert.seenBy.insert(observer) }
        open[id] = alert
        fired[id.type, default: 0] += 1
        emit(AlertEvent(status: .firing, alert: alert, reason: nil, reminder: false, time: time))
    }

    /// One carrier of `id` is gone; resolves the alert when it was the last.
    mutating func release(_ id: AlertIdentity, reason: ResolveReason, time: Int64, evidence: () -> Evidence?,
                          emit: (AlertEvent) -> Void) {
        guard !open.isEmpty, var alert = open[id] else { return }  // per watched route: no hashing when none is open
        alert.carriers -= 1
        if alert.carriers > 0 {
            open[id] = alert
            return
        }
        resolve(alert, reason: reason, time: time, evidence: evidence(), emit: emit)
    }

    /// Resolves `id` now, whatever its carriers (prefix-level and session alerts).
    mutating func resolve(_ id: AlertIdentity, reason: ResolveReason, time: Int64, evidence: () -> Evidence?,
                          emit: (AlertEvent) -> Void) {
        guard !open.isEmpty, let alert = open[id] else { return }
        resolve(alert, reason: reason, time: time, evidence: evidence(), emit: emit)
    }

    private mutating func resolve(_ alert: Alert, reason: ResolveReason, time: Int64, evidence: Evidence?,
                                  emit: (AlertEvent) -> Void) {
        open[alert.identity] = nil
        resolvedCount[alert.identity.type, default: 0] += 1
        var a = alert
        a.lastSeen = max(a.lastSeen, time)
        emit(AlertEvent(status: .resolved, alert: a, reason: reason, reminder: false, time: time, resolvingEvidence: evidence))
    }

    /// Open alerts in a stable order (for end-of-replay reports).
    public var openAlerts: [Alert] { open.values.sorted { ($0.firstSeen, $0.identity) < ($1.firstSeen, $1.identity) } }
}
