import BGPWire

/// The test in front of the detection engine: counts an UPDATE's routes, queues its announced prefixes for
/// RFC 6811 counting, and says whether the engine must look at the UPDATE at all — only when one of its routes
/// is watched (`Registry.watchesWithdrawal` / `watchesAnnouncement`, the tests the engine acts on). The engine
/// holds one (`DetectionEngine.process`); replay's `FeedPipeline` runs one on the capture side, so that in a
/// full table almost no UPDATE is copied to the engine's thread: the ones that are go with `countedUpstream`,
/// and the pipeline's counts reach the engine through `absorbUpstreamCounts` at the end.
struct UpdateTriage {
    /// A constant (a reload builds a new triage, `replacingRegistry`).
    let registry: Registry
    /// RFC 6811 counting of every announced prefix.
    let validation: OriginValidationCounter
    /// UPDATEs and routes seen (`updates`, `announced`, `withdrawn`); the RFC 6811 outcomes come from `settle()`.
    private(set) var counts = DetectionStatistics()

    init(registry: Registry, validation: OriginValidationCounter) {
        self.registry = registry
        self.validation = validation
    }

    /// The same counts and validation queue, judging by `new` from now on (a reload).
    func replacingRegistry(_ new: Registry) -> UpdateTriage {
        var triage = UpdateTriage(registry: new, validation: validation)
        triage.counts = counts
        return triage
    }

    /// Counts `view` and tells whether a route of it is watched. One pass over the routes, all of them: the
    /// counts and the validation queue must see every route even after the answer is known.
    mutating func concernsEngine(_ view: UpdateView) -> Bool {
        counts.updates += 1
        var watched = false
        let registry = registry
        for section in [UpdateView.RouteSection.withdrawn, .mpUnreach] {
            counts.withdrawn += Self.forEachPlainPrefix(view, section) { prefix in
                if !watched && registry.watchesWithdrawal(of: prefix) { watched = true }
            }
        }
        let origin = view.effectiveOriginASN
        let monitoredOrigin = registry.isMonitored(origin)
        let validation = validation.isValidating && !view.isTreatAsWithdraw ? validation : nil
        for section in [UpdateView.RouteSection.nlri, .mpReach] {
            counts.announced += Self.forEachPlainPrefix(view, section) { prefix in
                validation?.add(RPKIData.ValidationQuery(prefix: prefix, origin: origin))
                if !watched && registry.watchesAnnouncement(of: prefix, monitoredOrigin: monitoredOrigin) { watched = true }
            }
        }
        return watched
    }

    /// Calls `body` with the prefix of each route of `section` that has no route distinguisher (the routes the
    /// engine and RFC 6811 look at); returns how many routes the section has. Plain NLRI are read without
    /// building routes (`PrefixReader`).
    @inline(__always)
    static func forEachPlainPrefix(_ view: UpdateView, _ section: UpdateView.RouteSection,
                                   _ body: (IPPrefix) -> Void) -> Int {
        var n = 0
        if var prefixes = view.prefixes(section) {
            while let prefix = prefixes.next() {
                n += 1
                body(prefix)
            }
        } else {
            var routes = view.routes(section)
            while let route = routes.next() {
                n += 1
                if route.routeDistinguisher == nil { body(route.prefix) }
            }
        }
        return n
    }

    /// Everything counted, RFC 6811 outcomes included (waits for the validation queue).
    func settle() -> DetectionStatistics {
        var c = counts
        let rov = validation.settle()
        c.rovValid = rov.valid
        c.rovInvalid = rov.invalid
        c.rovNotFound = rov.notFound
        return c
    }
}
