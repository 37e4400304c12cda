import BGPWire

/// Route events → watched RIB → detectors → alert lifecycle. Single-threaded; deterministic for a given input.
///
/// The hot path (`process(update:…)`) allocates nothing for a prefix unrelated to the registry: an UPDATE is
/// counted and tested by `UpdateTriage` (one `PrefixIndex.relates` check per route), and only one with a
/// watched route — a watched prefix, or any from a monitored origin — is walked again to act on it; the AS path
/// is only materialised then.
public final class DetectionEngine {
    /// The registry routes are judged by.
    public private(set) var registry: Registry
    public private(set) var dataSets: DataSets
    public private(set) var rib: WatchedRIB
    public private(set) var book: AlertBook
    /// The counters; reading them waits until every announced prefix so far is validated (`OriginValidationCounter`:
    /// up to 2 batches of 262,144 lookups in flight and the one being filled). Like every engine member, read it on the
    /// engine's thread or under the lock that serialises its calls (the daemon's `Pipeline.lock`).
    public var statistics: DetectionStatistics {
        var s = triage.settle()
        s.add(counts)
        s.add(upstream)
        return s
    }
    /// UPDATEs, routes and RFC 6811 outcomes of what `process` counted itself, and whether an UPDATE concerns the
    /// watched set at all; the RFC 6811 counting runs on a background queue (only counters depend on it).
    private var triage: UpdateTriage
    /// The watched-route counters.
    private var counts = DetectionStatistics()
    /// What a filter in front of the engine counted for it (`countedUpstream`; replay's `FeedPipeline`).
    private var upstream = DetectionStatistics()
    private let emit: (AlertEvent) -> Void
    /// Open `session-down` alerts by neighbor, to resolve when it comes back.
    private var downNeighbors: [IPAddress: AlertIdentity] = [:]
    /// The latest facts of each session that announced a watched route (the RIB's routes name their session by id),
    /// until it closes; `lastSession` is the one written last, so that most announcements write nothing.
    private var sessionInfos: [Int: SessionInfo] = [:]
    private var lastSession: SessionInfo?

    public struct Options: Sendable {
        public var renotifyAfterMicroseconds: Int64 = 3_600_000_000
        public var maximumRIBEntries = 1_000_000
        public var maximumOpenAlerts = 100_000
        /// False for a run that exits once it has reported (replay): see `WatchedRIB.releasesDroppedTables`.
        public var releasesDroppedRoutes = true
        public init() {}
    }

    public init(registry: Registry, dataSets: DataSets = DataSets(), options: Options = Options(),
                emit: @escaping (AlertEvent) -> Void) {
        self.registry = registry
        self.triage = UpdateTriage(registry: registry, validation: OriginValidationCounter(rpki: dataSets.rpki))
        self.dataSets = dataSets
        // Routes per registered prefix are few (its own route and a handful of covering/more-specific ones).
        self.rib = WatchedRIB(maximumEntries: options.maximumRIBEntries, expectedEntries: registry.prefixes.count * 4,
                              releasesDroppedTables: options.releasesDroppedRoutes)
        self.book = AlertBook(renotifyAfterMicroseconds: options.renotifyAfterMicroseconds, maximumOpen: options.maximumOpenAlerts)
        self.emit = emit
    }

    /// Swaps in a new registry (SIGHUP). Routes stay; they are judged by the new one from their next update.
    public func replaceRegistry(_ new: Registry) {
        registry = new
        triage = triage.replacingRegistry(new)
        rib.reserve(expectedEntries: new.prefixes.count * 4)
    }

    /// Swaps in new data sets (SIGHUP), as one snapshot; prefixes announced before are counted with the old.
    public func replaceDataSets(_ new: DataSets) {
        triage.validation.replaceDataSet(new.rpki)
        dataSets = new
    }

    // MARK: - UPDATE

    /// Processes one UPDATE received from `session.neighbor`: counts it (`UpdateTriage`) and acts on its watched
    /// routes. `countedUpstream`: a filter in front of the engine already counted it and passes only UPDATEs
    /// with a watched route (see `absorbUpstreamCounts`); the engine then asks the registry about each route.
    public func process(update view: UpdateView, session: SessionInfo, position: SourcePosition, time: Int64,
                        countedUpstream: Bool = false) {
        if countedUpstream {
            process(update: view, session: session, position: position, time: time, verdict: nil)
        } else {
            let verdict = triage.verdict(view)
            guard verdict.concernsEngine else { return }
            process(update: view, session: session, position: position, time: time, verdict: verdict)
        }
    }

    /// `process` of an UPDATE already counted; `verdict` (when the triage's is at hand) says which routes are
    /// watched, so that the registry is asked only about routes past the 64th — and when it names every watched
    /// route with its prefix (`TriageVerdict.hintedRoutes`; not with ADD-PATH, whose path IDs it does not keep),
    /// the UPDATE's routes are not read again at all.
    func process(update view: UpdateView, session: SessionInfo, position: SourcePosition, time: Int64,
                 verdict: TriageVerdict?) {
        let bytes = view.bytes  // capture the bytes, not the whole view, in the evidence closure
        let evidence = { Evidence(position: position, message: Array(bytes)) }
        let treatAsWithdraw = view.isTreatAsWithdraw
        var path: ObservedPath?
        /// Acts on a watched route: `covering` is the registered prefix covering it as the triage found it (see
        /// `announce`). Withdrawals come first (RFC 4271 §9: an UPDATE's withdrawals precede its announcements).
        func act(on route: Route, withdrawn: Bool, covering: Int32??) {
            // RFC 7606: the routes of a malformed UPDATE are handled as withdrawn.
            if withdrawn || treatAsWithdraw { return withdraw(route, session: session, time: time, evidence: evidence) }
            if case .none = path {
                path = ObservedPath(oneSequenceOf: view) ?? ObservedPath(asPath: view.effectiveASPath(), otc: view.otc)
            }
            if let path {
                announce(route, covering: covering, path: path, session: session, time: time, evidence: evidence)
            }
        }
        if let verdict, let hinted = verdict.hintedRoutes, view.context.addPath.isEmpty,
            let prefixes = Self.hintedPrefixes(view, verdict, count: hinted) {
            for i in 0..<hinted {
                let hint = verdict.hintedRoute(i)
                act(on: Route(prefix: prefixes[i]), withdrawn: hint.withdrawn, covering: .some(hint.covering))
            }
            return
        }
        let registry = self.registry
        var index = 0
        for section in [UpdateView.RouteSection.withdrawn, .mpUnreach] {
            var routes = view.routes(section)
            while let route = Self.nextWatched(&routes, verdict: verdict, index: &index,
                                               isWatched: { registry.watchesWithdrawal(of: $0) }) {
                act(on: route.route, withdrawn: true, covering: nil)
            }
        }
        let monitoredOrigin = registry.isMonitored(view.effectiveOriginASN)
        for section in [UpdateView.RouteSection.nlri, .mpReach] {
            var routes = view.routes(section)
            while let route = Self.nextWatched(&routes, verdict: verdict, index: &index, isWatched: {
                registry.watchesAnnouncement(of: $0, monitoredOrigin: monitoredOrigin)
            }) {
                act(on: route.route, withdrawn: false, covering: verdict?.covering(ofRoute: route.number))
            }
        }
    }

    /// The prefixes of the `count` routes the triage named (`TriageVerdict.hintedRoute`), read where it found
    /// them; `nil` if one cannot be read there (the routes are then walked).
    private static func hintedPrefixes(_ view: UpdateView, _ verdict: TriageVerdict,
                                       count: Int) -> InlineArray<4, IPPrefix>? {
        var prefixes = InlineArray<4, IPPrefix>(repeating: .v4(.defaultRoute))
        for i in 0..<min(count, 4) {
            let hint = verdict.hintedRoute(i)
            guard let prefix = view.plainPrefix(lengthAt: hint.lengthOffset, isIPv4: hint.isIPv4) else { return nil }
            prefixes[i] = prefix
        }
        return prefixes
    }

    /// The next watched route of `routes` and its number, numbering routes in walk order from `index` on: watched
    /// as the triage's `verdict` says — the routes it found unwatched are stepped over without being built, and
    /// none is read once it says no route after them is watched — or, past its 64th route or without a verdict,
    /// as `isWatched` answers.
    @inline(__always)
    private static func nextWatched(_ routes: inout RouteReader, verdict: TriageVerdict?, index: inout Int,
                                    isWatched: (Route) -> Bool) -> (route: Route, number: Int)? {
        while true {
            if verdict?.noneWatched(from: index) == true { return nil }
            let known = verdict?.isWatched(index)
            if known == false, let run = verdict?.unwatchedRun(from: index) {
                let passed = routes.skip(run)
                index += passed
                guard passed == run else { return nil }
                continue
            }
            guard let route = routes.next() else { return nil }
            index += 1
            if known ?? isWatched(route) { return (route, index - 1) }
        }
    }

    /// Adds the counts of a filter in front of the engine (`UpdateTriage`): UPDATEs, routes and RFC 6811 outcomes
    /// of everything it passed with `countedUpstream` or kept from the engine. Call it on the engine's thread, or
    /// once the engine's thread is done.
    func absorbUpstreamCounts(_ c: DetectionStatistics) { upstream.add(c) }

    private func key(_ route: Route, _ session: SessionInfo) -> WatchedRIB.Key {
        WatchedRIB.Key(session: session.id, sender: session.neighbor, pathID: route.pathID ?? 0, prefix: route.prefix)
    }

    /// `covering`: the registered prefix covering the route as the triage found it (an index into the registry's
    /// list; `.some(nil)` for none), which also says the route relates to the registry; `nil` to ask the registry.
    private func announce(_ route: Route, covering: Int32??, path: ObservedPath, session: SessionInfo, time: Int64,
                          evidence: () -> Evidence) {
        counts.watchedAnnouncements += 1
        let registered = covering.map { $0.map { registry.prefixes[Int($0)] } }
            ?? registry.entry(covering: route.prefix)
        let findings = RouteDetectors.run(RouteInput(prefix: route.prefix, path: path, session: session,
                                                     registered: registered, registry: registry, dataSets: dataSets))
        let related: Bool
        if case .some = covering { related = true } else if case .some = registered { related = true } else {
            related = registry.index.relates(route.prefix)  // (`!= nil` copied the registered entry, as above)
        }
        let k = key(route, session)
        var previous: WatchedRIB.Entry?
        var stored = false
        if related || !findings.isEmpty {
            remember(session)
            (previous, stored) = rib.upsert(k, WatchedRIB.Entry(path: path, alerts: findings.map(\.identity)))
        } else {
            // No longer watched (the registry changed on reload): drop the old route and what it carried.
            previous = rib.remove(k)
        }
        for f in findings {
            let newCarrier = stored && !(previous?.alerts.contains(f.identity) ?? false)
            book.observe(f, path: path, session: session, time: time, newCarrier: newCarrier, evidence: evidence, emit: emit)
        }
        for id in previous?.alerts ?? [] where !findings.contains(where: { $0.identity == id }) {
            book.release(id, reason: .replaced, time: time, evidence: evidence, emit: emit)
        }
        // The prefix is carried again: a `withdrawn` alert for it is over.
        book.resolve(AlertIdentity(type: .withdrawn, prefix: route.prefix, offender: nil), reason: .replaced, time: time,
                     evidence: evidence, emit: emit)
        evaluateSuboptimal(route.prefix, registered: registered, time: time, reason: .replaced, evidence: evidence)
    }

    /// Keeps `session`'s facts for its stored routes (`evaluateSuboptimal` names the session of a prefix's first).
    @inline(__always)
    private func remember(_ session: SessionInfo) {
        if case .some(let last) = lastSession, last == session { return }
        sessionInfos[session.id] = session
        lastSession = session
    }

    private func withdraw(_ route: Route, session: SessionInfo, time: Int64, evidence: () -> Evidence) {
        guard let old = rib.remove(key(route, session)) else { return }
        counts.watchedWithdrawals += 1
        for id in old.alerts { book.release(id, reason: .withdrawn, time: time, evidence: evidence, emit: emit) }
        let registered = registry.entry(covering: route.prefix)
        if let f = Withdrawn.check(prefix: route.prefix, registered: registered, remainingRoutes: rib.routeCount(for: route.prefix),
                                   removedPath: old.path, registry: registry) {
            book.observe(f, path: old.path, session: session, time: time, newCarrier: true, evidence: evidence, emit: emit)
        }
        evaluateSuboptimal(route.prefix, registered: registered, time: time, reason: .withdrawn, evidence: evidence)
    }

    /// `suboptimal-path` is a property of all routes for a prefix together: fire or resolve after each change.
    private func evaluateSuboptimal(_ prefix: IPPrefix, registered: RegisteredPrefix?, time: Int64, reason: ResolveReason,
                                    evidence: () -> Evidence?) {
        guard let r = registered, SuboptimalPath.applies(to: prefix, registered: r) else { return }
        let entries = rib.routes(for: prefix)
        let finding = SuboptimalPath.check(prefix: prefix, registered: r, paths: entries.map(\.path), registry: registry)
        let openIDs = book.open.keys.filter { $0.type == .suboptimalPath && $0.prefix == prefix }.sorted()
        for id in openIDs where id != finding?.identity {
            book.resolve(id, reason: entries.isEmpty ? reason : .replaced, time: time, evidence: evidence, emit: emit)
        }
        if let finding, let first = entries.first, let sessionID = rib.routeSessions(for: prefix).first,
            let session = sessionInfos[sessionID] {
            book.observe(finding, path: first.path, session: session, time: time, newCarrier: false,
                         evidence: evidence, emit: emit)
        }
    }

    // MARK: - Sessions

    /// A session's OPEN from `session.neighbor` was seen: a `session-down` for that neighbor is over.
    public func sessionEstablished(_ session: SessionInfo, time: Int64) {
        guard let id = downNeighbors.removeValue(forKey: session.neighbor) else { return }
        book.resolve(id, reason: .reestablished, time: time, evidence: { nil }, emit: emit)
    }

    /// A session ended. Its routes are gone (alerts only it carried resolve as `session-closed`; no `withdrawn`).
    /// `cause` is `nil` when the end is not a failure (end of a replayed capture): then no `session-down`.
    public func sessionClosed(_ session: SessionInfo, cause: String?, time: Int64, evidence: Evidence?) {
        // Only routes that carried alerts, or whose prefix is a partner's registered one (`suboptimal-path`
        // looks at all its routes), have anything to resolve or re-evaluate.
        let registry = self.registry
        let removed = rib.removeSession(session.id, notablePrefixes: registry.partnerPrefixes)
        for (key, entry) in removed {
            for id in entry.alerts {
                book.release(id, reason: .sessionClosed, time: time, evidence: { nil }, emit: emit)
            }
            evaluateSuboptimal(key.prefix, registered: registry.entry(covering: key.prefix), time: time,
                               reason: .sessionClosed, evidence: { nil })
        }
        sessionInfos[session.id] = nil
        if lastSession?.id == session.id { lastSession = nil }
        guard let cause else { return }
        let finding = SessionDown.check(session: session, cause: cause, registry: registry)
        book.observe(finding, path: nil, session: session, time: time, newCarrier: false, evidence: { evidence }, emit: emit)
        downNeighbors[session.neighbor] = finding.identity
    }
}

/// Counters of the detection stage, for summaries and metrics.
public struct DetectionStatistics: Sendable {
    public var updates = 0
    public var announced = 0
    public var withdrawn = 0
    /// Routes that touched a watched prefix (or came from a monitored origin).
    public var watchedAnnouncements = 0
    public var watchedWithdrawals = 0
    /// RFC 6811 outcomes over every announced prefix (when an RPKI data set is loaded).
    public var rovValid = 0
    public var rovInvalid = 0
    public var rovNotFound = 0

    /// Adds `other`, counter by counter.
    mutating func add(_ other: DetectionStatistics) {
        updates += other.updates
        announced += other.announced
        withdrawn += other.withdrawn
        watchedAnnouncements += other.watchedAnnouncements
        watchedWithdrawals += other.watchedWithdrawals
        rovValid += other.rovValid
        rovInvalid += other.rovInvalid
        rovNotFound += other.rovNotFound
    }
}
