import BGPWire
import Detection
import PacketCapture

/// The stderr summary of `replay`: sessions, alerts by type and severity, alerts open at the end,
/// malformed input, speed.
enum ReplaySummary {
    static func render(decoder: CaptureDecoder, engine: DetectionEngine, tally: DecodeTally, inputs: [String],
                       elapsedSeconds: Double) -> String {
        let stats = decoder.statistics
        var out = "── bgpsentry replay summary ──\n"
        out += "inputs: \(inputs.joined(separator: ", ")); registry: \(engine.registry.source) (\(engine.registry.prefixes.count) prefixes)\n"
        out += "frames: \(stats.frames), BGP messages: \(stats.totalMessages), UPDATEs: \(stats.messageCount(.update))\n"
        out += "sessions: \(decoder.sessions.count)\n"
        for s in SessionListing.shown(decoder.sessions) {
            out += "  #\(s.id)"
            for d in 0..<2 {
                let asn = s.asn(d).map { "AS\($0)" } ?? "AS?"
                let role = s.role(d).map { " role \($0)" } ?? ""
                let c = s.counters[d]
                out += "\(d == 0 ? " " : " ⇄ ")\(s.endpoints[d]) \(asn)\(role) [\(c.updates) UPDATEs, +\(c.announced)/-\(c.withdrawn)]"
            }
            if let reason = s.closeReason { out += "; closed: \(reason.rawValue)" }
            out += "\n"
        }
        out += SessionListing.omitted(decoder.sessions)
        let book = engine.book
        let types = Set(book.fired.keys).union(book.resolvedCount.keys).sorted()
        if types.isEmpty {
            out += "alerts: none\n"
        } else {
            let bySeverity = Dictionary(grouping: types, by: \.severity).mapValues { $0.reduce(0) { $0 + (book.fired[$1] ?? 0) } }
            out += "alerts fired: " + Severity.allCases.reversed().compactMap { s in bySeverity[s].map { "\(s.rawValue) \($0)" } }
                .joined(separator: ", ") + "\n"
            for t in types {
                out += "  \(t.rawValue) (\(t.severity.rawValue)): fired \(book.fired[t] ?? 0), resolved \(book.resolvedCount[t] ?? 0)\n"
            }
        }
        let open = book.openAlerts
        out += "open at end: \(open.count)\n"
        for a in open.prefix(50) {
            out += "  \(a.severity.rawValue) \(a.identity.type.rawValue) \(a.identity.prefix?.description ?? "-"): \(a.finding.summary)\n"
        }
        if open.count > 50 { out += "  … \(open.count - 50) more\n" }
        if book.dropped > 0 || engine.rib.dropped > 0 {
            out += "bounds hit: alerts not tracked \(book.dropped), routes not tracked \(engine.rib.dropped)\n"
        }
        let t = tally.finalised()
        out += t.malformed.isEmpty ? "malformed: none\n"
            : "malformed: " + t.malformed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        let r = stats.reassembly
        if r.gaps + r.framingErrors > 0 { out += "reassembly: gaps \(r.gaps), framing errors \(r.framingErrors)\n" }
        if stats.flowsEvicted + r.limitHits + stats.sessionsNotListed > 0 {
            out += "bounds hit: flows evicted \(stats.flowsEvicted), reassembly limits \(r.limitHits), sessions not listed \(stats.sessionsNotListed) (of \(stats.flowsOpened) connections)\n"
        }
        let d = engine.statistics
        let prefixes = d.announced + d.withdrawn
        if engine.dataSets.rpki != nil {
            out += "RPKI (RFC 6811) over every announced prefix: valid \(d.rovValid), invalid \(d.rovInvalid), not-found \(d.rovNotFound)\n"
        }
        out += "prefixes: announced \(d.announced), withdrawn \(d.withdrawn); watched \(d.watchedAnnouncements)/\(d.watchedWithdrawals); RIB \(engine.rib.count) routes\n"
        out += "elapsed: \(CaptureSummary.formatSeconds(elapsedSeconds)) s, \(elapsedSeconds > 0 ? Int(Double(prefixes) / elapsedSeconds) : 0) prefixes/s"
        out += PeakMemory.megabytes.map { ", peak memory \($0) MB\n" } ?? "\n"
        return out
    }
}
