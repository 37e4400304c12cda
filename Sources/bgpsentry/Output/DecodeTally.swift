import BGPWire
import PacketCapture

/// Counts what `decode` saw, per address family and per kind of malformation, for the stderr summary.
struct DecodeTally {
    /// Announced and withdrawn prefixes (or opaque NLRI) per address family.
    var announced: [AddressFamily: Int] = [:]
    var withdrawn: [AddressFamily: Int] = [:]
    /// Malformed messages by `action:code` (UPDATE, RFC 7606) or `TYPE:code` (others).
    var malformed: [String: Int] = [:]
    var treatAsWithdrawUpdates = 0
    var endOfRIB = 0

    // IPv4 and IPv6 unicast, counted apart from the tables until `finalised()` (no hashing per UPDATE).
    private var v4Announced = 0
    private var v4Withdrawn = 0
    private var v6Announced = 0
    private var v6Withdrawn = 0

    var totalAnnounced: Int { announced.values.reduce(0, +) + v4Announced + v6Announced }
    var totalWithdrawn: Int { withdrawn.values.reduce(0, +) + v4Withdrawn + v6Withdrawn }

    /// Counts one UPDATE from its view (no allocation on the common path).
    mutating func count(_ view: UpdateView) {
        v4Announced += view.nlriCount
        v4Withdrawn += view.withdrawnCount
        if let r = view.mpReach {
            if r.family == .ipv6Unicast {
                v6Announced += r.routeCount
            } else {
                let n = r.family.prefixEncoding == nil ? r.opaqueCount : r.routeCount
                if n > 0 { announced[r.family, default: 0] += n }
            }
        }
        if let u = view.mpUnreach {
            if u.family == .ipv6Unicast {
                v6Withdrawn += u.routeCount
            } else {
                let n = u.family.prefixEncoding == nil ? u.opaqueCount : u.routeCount
                if n > 0 { withdrawn[u.family, default: 0] += n }
            }
        }
        if view.isEndOfRIB { endOfRIB += 1 }
        countMalformed(view)
    }

    /// Counts only what is wrong with one UPDATE (`malformed`, `treatAsWithdrawUpdates`): replay's summary reads
    /// nothing else of the tally, and the engine counts the routes (the whole `count` was 18 M instructions of a
    /// benchmark replay's parse thread, this is one test of an empty list per UPDATE).
    mutating func countMalformed(_ view: UpdateView) {
        guard view.hasErrors else { return }
        if view.isTreatAsWithdraw { treatAsWithdrawUpdates += 1 }
        for e in view.errors { malformed["UPDATE \(e.action) \(e.error.code.rawValue)", default: 0] += 1 }
    }

    mutating func countMalformed(_ type: MessageType, _ error: WireError) {
        malformed["\(type) \(error.code.rawValue)", default: 0] += 1
    }

    /// Folds the classic IPv4 counters into the per-family tables.
    func finalised() -> DecodeTally {
        var copy = self
        if v4Announced > 0 { copy.announced[.ipv4Unicast, default: 0] += v4Announced }
        if v4Withdrawn > 0 { copy.withdrawn[.ipv4Unicast, default: 0] += v4Withdrawn }
        if v6Announced > 0 { copy.announced[.ipv6Unicast, default: 0] += v6Announced }
        if v6Withdrawn > 0 { copy.withdrawn[.ipv6Unicast, default: 0] += v6Withdrawn }
        (copy.v4Announced, copy.v4Withdrawn, copy.v6Announced, copy.v6Withdrawn) = (0, 0, 0, 0)
        return copy
    }
}

/// The human summary printed on stderr at the end of `decode` (and reused by `replay`).
enum CaptureSummary {
    static func render(stats: CaptureStatistics, tally: DecodeTally, sessions: [BGPSession], inputs: [String],
                       elapsedSeconds: Double) -> String {
        let t = tally.finalised()
        var out = "── bgpsentry summary ──\n"
        out += "inputs: \(inputs.joined(separator: ", "))\n"
        out += "frames: \(stats.frames) (\(stats.bytes) bytes); link types: "
        out += stats.linkTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        var skipped: [String] = []
        if stats.unsupportedLinkFrames > 0 { skipped.append("unsupported link \(stats.unsupportedLinkFrames)") }
        if stats.nonIPFrames > 0 { skipped.append("non-IP \(stats.nonIPFrames)") }
        if stats.ipFragments > 0 { skipped.append("IP fragments (unsupported) \(stats.ipFragments)") }
        if stats.nonTCPPackets > 0 { skipped.append("non-TCP \(stats.nonTCPPackets)") }
        if stats.otherPortSegments > 0 { skipped.append("TCP on other ports \(stats.otherPortSegments)") }
        if stats.malformedPackets > 0 { skipped.append("malformed IP/TCP \(stats.malformedPackets)") }
        if !skipped.isEmpty { out += "skipped: \(skipped.joined(separator: ", "))\n" }
        out += "messages: \(stats.totalMessages) — "
        out += MessageType.allCases.map { "\($0) \(stats.messageCount($0))" }.joined(separator: ", ")
        out += " (end-of-RIB \(t.endOfRIB))\n"
        let families = Set(t.announced.keys).union(t.withdrawn.keys).sorted()
        out += "prefixes: announced \(t.totalAnnounced), withdrawn \(t.totalWithdrawn)"
        if !families.isEmpty {
            out += " — " + families.map { "\($0.description) +\(t.announced[$0] ?? 0)/-\(t.withdrawn[$0] ?? 0)" }.joined(separator: ", ")
        }
        out += "\n"
        out += "sessions: \(sessions.count)\n"
        for s in SessionListing.shown(sessions) {
            out += "  #\(s.id) \(s.endpoints[0]) AS\(s.asn(0).map(String.init) ?? "?") ⇄ \(s.endpoints[1]) AS\(s.asn(1).map(String.init) ?? "?")"
            let updates = s.counters.map(\.updates)
            out += " updates \(updates[0])/\(updates[1])"
            for d in 0..<2 where s.contextSources[d] != .assumed || updates[d] > 0 {
                out += "; \(d == 0 ? "→" : "←") \(s.contexts[d]) (\(s.contextSources[d].rawValue))"
            }
            let caps = Set(((s.opens[0]?.capabilities ?? []) + (s.opens[1]?.capabilities ?? [])).map(\.name)).sorted()
            if !caps.isEmpty { out += "; capabilities: \(caps.joined(separator: " "))" }
            if let r = s.role(0) { out += "; role(\(s.endpoints[0].address)) \(r)" }
            if let r = s.role(1) { out += "; role(\(s.endpoints[1].address)) \(r)" }
            if let reason = s.closeReason { out += "; closed: \(reason.rawValue)" }
            out += "\n"
        }
        out += SessionListing.omitted(sessions)
        let r = stats.reassembly
        out += "reassembly: gaps \(r.gaps) (\(r.gapBytes) bytes), resyncs \(r.resyncs), discarded \(r.discardedBytes) bytes, "
        out += "framing errors \(r.framingErrors), truncated messages \(r.truncatedMessages), retransmitted \(r.retransmittedBytes) bytes, "
        out += "out-of-order segments \(r.outOfOrderSegments), mid-stream starts \(r.midStreamStarts)\n"
        if t.malformed.isEmpty {
            out += "malformed: none\n"
        } else {
            out += "malformed: " + t.malformed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out += " (treat-as-withdraw UPDATEs \(t.treatAsWithdrawUpdates))\n"
        }
        let prefixes = t.totalAnnounced + t.totalWithdrawn
        let rate = elapsedSeconds > 0 ? Double(prefixes) / elapsedSeconds : 0
        out += "elapsed: \(formatSeconds(elapsedSeconds)) s, \(Int(rate)) prefixes/s\n"
        return out
    }

    static func formatSeconds(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}
