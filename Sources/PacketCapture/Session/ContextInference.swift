import BGPWire

/// Decides AS_PATH width and ADD-PATH for a direction whose OPENs were not captured.
///
/// Four readings are tried — 4-octet/2-octet AS × ADD-PATH off/on — and a reading is consistent when it
/// parses with no structural error (every attribute and NLRI consumed exactly). Each direction keeps the set
/// of readings consistent with every UPDATE so far; one left means decided (`inferred`), several mean the
/// preferred one is used and the session is flagged `ambiguous`. Unlike a "first byte is 0" guess this
/// cannot mistake `0.0.0.0/0` for a path identifier.
enum ContextInference {
    /// Candidate readings in order of preference.
    static let candidates: [DecodingContext] = [
        DecodingContext(fourOctetAS: true),
        DecodingContext(fourOctetAS: false),
        DecodingContext(fourOctetAS: true, addPath: allFamilies),
        DecodingContext(fourOctetAS: false, addPath: allFamilies),
    ]

    /// UPDATEs examined per direction before the preferred reading is kept for good.
    static let maximumAttempts = 1000

    static let allFamilies = AddPathFamilies([
        .ipv4Unicast, .ipv4Multicast, .ipv4Labeled, .ipv4VPN,
        .ipv6Unicast, .ipv6Multicast, .ipv6Labeled, .ipv6VPN,
    ])

    /// Updates `session`'s context for sender `d` from one UPDATE's bytes.
    static func observe(update bytes: UnsafeRawBufferPointer, session: BGPSession, sender d: Int) {
        let mask = session.candidateMasks[d]
        guard mask != 0 else { return }
        session.inferenceAttempts[d] += 1
        if session.inferenceAttempts[d] > maximumAttempts {
            // Still ambiguous after this many UPDATEs: stop paying four parses per message.
            session.candidateMasks[d] = 0
            return
        }
        var clean: UInt8 = 0
        for (i, candidate) in candidates.enumerated() {
            if !UpdateView(bytes, context: candidate).hasStructuralError { clean |= 1 << UInt8(i) }
        }
        guard clean != 0 else { return }  // malformed whatever the reading: learn nothing
        var next = mask & clean
        if next == 0 { next = clean }  // contradiction: the newest evidence wins
        session.candidateMasks[d] = next
        let preferred = next.trailingZeroBitCount
        session.setInferred(candidates[preferred], forSender: d, decided: next.nonzeroBitCount == 1)
    }
}

extension BGPSession {
    func setInferred(_ context: DecodingContext, forSender d: Int, decided: Bool) {
        contexts[d] = context
        contextSources[d] = decided ? .inferred : .ambiguous
        if decided { candidateMasks[d] = 0 }
    }
}
