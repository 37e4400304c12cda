import BGPWire

/// A BGP message as captured, lent to the consumer for the duration of one callback.
public struct CapturedMessage {
    /// Frame in which the message's last byte arrived (tshark's convention), and that frame's time.
    public var frame: Int
    public var time: CaptureTime
    public var session: BGPSession
    /// Index (0/1) of the sending endpoint in `session.endpoints`.
    public var sender: Int
    public var type: MessageType
    /// The whole message, header included. Valid only during the callback.
    public var bytes: UnsafeRawBufferPointer
    /// How to decode it (negotiated, inferred or assumed).
    public var context: DecodingContext

    public var source: Endpoint { session.endpoints[sender] }
    public var destination: Endpoint { session.endpoints[1 - sender] }
}

/// Where `CaptureDecoder` hands UPDATE messages instead of sending them as events (replay's relay).
public protocol CapturedUpdateSink: AnyObject {
    func capture(_ update: CapturedUpdate, session: BGPSession)
}

/// An UPDATE as `CaptureDecoder` hands it to a `CapturedUpdateSink`, with its session beside it: plain values
/// only, so that handing it over changes no reference count.
public struct CapturedUpdate {
    /// Frame in which the message's last byte arrived, and that frame's time.
    public var frame: Int
    public var time: CaptureTime
    /// Index (0/1) of the sending endpoint in the session's `endpoints`; decode with `contexts[sender]`.
    public var sender: Int
    /// The whole message, header included. Valid only during the call.
    public var bytes: UnsafeRawBufferPointer
}

/// What the pipeline reports to its consumer.
public enum CaptureEvent {
    case message(CapturedMessage)
    case sessionClosed(BGPSession, SessionCloseReason)
}

/// Frames → link/IP/TCP decoding → per-flow reassembly → BGP framing → session tracking.
///
/// Single-threaded and synchronous: `process(frame:linkType:)` calls `handler` for every complete message
/// in that frame. Flows are bounded in number and memory (`ReassemblyLimits`).
public final class CaptureDecoder {
    public var bgpPorts: Set<UInt16>
    public let limits: ReassemblyLimits
    /// Counters so far (reassembly counters are kept apart: they are updated while messages are emitted).
    public var statistics: CaptureStatistics {
        var s = counters
        s.reassembly = reassembly
        if linkTypeRun.frames > 0 { s.linkTypes[LinkType.name(linkTypeRun.linkType), default: 0] += linkTypeRun.frames }
        return s
    }
    private var counters = CaptureStatistics()
    /// Frames of the current run of one link type, not yet in `counters.linkTypes` (added when the type changes
    /// and in `statistics`): a capture has one link type, and its name's hash per frame was 3 % of the capture
    /// thread.
    private var linkTypeRun = (linkType: Int32(0), frames: 0)
    private var reassembly = ReassemblyCounters()
    /// Sessions in order of first appearance, including closed ones (for summaries); at most
    /// `limits.maxListedSessions`, see `list`.
    public private(set) var sessions: [BGPSession] = []
    /// Keep closed sessions in `sessions` (replay summaries); a daemon turns this off.
    public var retainsClosedSessions = true

    private var flows: [FlowKey: Flow] = [:]
    private var nextSessionID = 1
    /// Called once for each new session, before its first message is decoded: a daemon applies configured
    /// per-neighbour facts there (`BGPSession.configure`) for captures that start mid-session.
    public var sessionStarted: ((BGPSession) -> Void)?
    private var lastSweep: Int64 = 0
    /// Sessions closed without a BGP message since `sessions` was last compacted.
    private var closedSilentSessions = 0
    private let handler: (CaptureEvent) -> Void
    private let updateSink: (any CapturedUpdateSink)?

    /// `firstSessionID` numbers sessions from a given value (a restarted daemon continues after its old ids).
    /// With an `updateSink`, UPDATE messages go there instead of to `handler` as events (replay's relay).
    public init(bgpPorts: Set<UInt16> = [179], limits: ReassemblyLimits = ReassemblyLimits(), firstSessionID: Int = 1,
                updateSink: (any CapturedUpdateSink)? = nil,
                handler: @escaping (CaptureEvent) -> Void) {
        self.nextSessionID = firstSessionID
        self.bgpPorts = bgpPorts
        self.limits = limits
        self.updateSink = updateSink
        self.handler = handler
    }

    /// Number of TCP connections tracked now.
    public var activeFlows: Int { flows.count }

    /// Decodes one frame.
    public func process(_ frame: Frame, linkType: Int32) {
        counters.frames += 1
        counters.bytes += frame.bytes.count
        countLinkType(linkType)
        guard let (network, offset) = LinkDecoder.decode(frame.bytes, linkType: linkType) else {
            counters.unsupportedLinkFrames += 1
            return
        }
        if case .other = network {
            counters.nonIPFrames += 1
            return
        }
        switch IPDecoder.decode(UnsafeRawBufferPointer(rebasing: frame.bytes[offset...]), protocol: network) {
        case .tcp(let source, let destination, let segmentBytes):
            guard let segment = TCPSegment(segmentBytes) else {
                counters.malformedPackets += 1
                return
            }
            guard bgpPorts.contains(segment.sourcePort) || bgpPorts.contains(segment.destinationPort) else {
                counters.otherPortSegments += 1
                return
            }
            counters.bgpSegments += 1
            handle(segment, from: Endpoint(address: source, port: segment.sourcePort),
                   to: Endpoint(address: destination, port: segment.destinationPort), frame: frame)
        case .fragment:
            counters.ipFragments += 1
        case .otherProtocol:
            counters.nonTCPPackets += 1
        case .malformed:
            counters.malformedPackets += 1
        }
        sweepIfDue(now: frame.time.microseconds)
    }

    private func countLinkType(_ linkType: Int32) {
        if linkType != linkTypeRun.linkType, linkTypeRun.frames > 0 {
            counters.linkTypes[LinkType.name(linkTypeRun.linkType), default: 0] += linkTypeRun.frames
            linkTypeRun.frames = 0
        }
        linkTypeRun.linkType = linkType
        linkTypeRun.frames += 1
    }

    /// Decodes a byte stream of concatenated BGP messages (fuzz crashers, `decode --input raw`) as one
    /// direction of a synthetic session; framing errors resynchronise at the next marker as on the wire.
    public func processStream(_ bytes: UnsafeRawBufferPointer, name: String = "raw") {
        let zero = IPAddress.v4(IPv4Address(0))
        let source = Endpoint(address: zero, port: 0)
        let destination = Endpoint(address: zero, port: 179)
        let frame = Frame(number: 1, time: CaptureTime(microseconds: 0), bytes: bytes, wireLength: bytes.count)
        counters.frames += 1
        counters.bytes += bytes.count
        counters.linkTypes[name, default: 0] += 1
        var syn = TCPSegment(sequence: 0, payload: UnsafeRawBufferPointer(start: nil, count: 0))
        syn.flags = TCPSegment.syn
        handle(syn, from: source, to: destination, frame: frame)
        handle(TCPSegment(sequence: 1, payload: bytes), from: source, to: destination, frame: frame)
        finish()
    }

    /// Ends every open flow (end of a capture file): delivers held data across holes and closes sessions.
    public func finish() {
        for key in flows.keys.sorted(by: { (flows[$0]?.session.id ?? 0) < (flows[$1]?.session.id ?? 0) }) {
            close(key, reason: .endOfCapture)
        }
    }

    // MARK: - Flows

    private func handle(_ segment: TCPSegment, from source: Endpoint, to destination: Endpoint, frame: Frame) {
        let key = FlowKey(source, destination)
        let sender = source == key.low ? 0 : 1
        var flow = flows[key]
        var segment = segment
        if let existing = flow, segment.isSYN {
            if existing.initialSequence[sender] == segment.sequence {
                // A retransmitted SYN (same ISN): not a new connection; its data, if any, is a retransmission.
                segment.flags &= ~TCPSegment.syn
            } else if existing.isFinished || existing.hasData(sender) {
                // A new connection on the same 4-tuple: the old session is over.
                close(key, reason: .newConnection)
                flow = nil
            }
        }
        let current: Flow
        if let flow {
            current = flow
        } else {
            // A bare ACK, FIN or RST (e.g. the tail of a closed connection) does not start a session.
            guard segment.isSYN || !segment.payload.isEmpty else { return }
            current = openFlow(key, time: frame.time)
        }
        current.session.lastSeen = frame.time
        if segment.isSYN { current.initialSequence[sender] = segment.sequence }
        let session = current.session
        let maxLength = session.maxMessageLength(sender)
        let arrival = StreamReassembler.Arrival(frame: frame.number, time: frame.time)
        // Taken once per segment and lent to each message's delivery (read per message, the sink was retained and
        // released around every call).
        let sink = updateSink
        current.directions[sender].receive(segment, arrival: arrival, limits: limits, maxMessageLength: maxLength,
                                           stats: &reassembly) { bytes, arrival in
            self.deliver(bytes, session: session, sender: sender, arrival: arrival, sink: sink)
        }
        if reassembly.globalBufferedBytes > limits.maxBufferedBytesTotal { shedBufferedBytes() }
        if segment.isRST {
            close(key, reason: .rst)
        } else if segment.isFIN {
            current.finished[sender] = true
            if current.finished[0] && current.finished[1] { close(key, reason: .fin) }
        }
    }

    private func openFlow(_ key: FlowKey, time: CaptureTime) -> Flow {
        if flows.count >= limits.maxFlows { evictOldest() }
        let session = BGPSession(id: nextSessionID, endpoints: [key.low, key.high], time: time)
        nextSessionID += 1
        sessionStarted?(session)
        let flow = Flow(session: session)
        flows[key] = flow
        counters.flowsOpened += 1
        if retainsClosedSessions { list(session) }
        return flow
    }

    /// Adds a session to `sessions`, which stays within `limits.maxListedSessions`: connections that closed
    /// without a single BGP message (scans, floods, refused attempts) are dropped from it first.
    private func list(_ session: BGPSession) {
        if sessions.count >= limits.maxListedSessions, closedSilentSessions >= limits.maxListedSessions / 4 {
            sessions.removeAll { $0.closeReason != nil && !$0.carriedMessages }
            closedSilentSessions = 0
        }
        if sessions.count < limits.maxListedSessions {
            sessions.append(session)
        } else {
            counters.sessionsNotListed += 1
        }
    }

    private func close(_ key: FlowKey, reason: SessionCloseReason) {
        guard let flow = flows.removeValue(forKey: key) else { return }
        let session = flow.session
        for d in 0..<2 {
            flow.directions[d].finish(maxMessageLength: session.maxMessageLength(d), stats: &reassembly) { bytes, arrival in
                self.deliver(bytes, session: session, sender: d, arrival: arrival, sink: self.updateSink)
            }
        }
        if session.closeReason == nil { session.closeReason = reason }
        if !session.carriedMessages { closedSilentSessions += 1 }
        handler(.sessionClosed(session, session.closeReason ?? reason))
    }

    /// Evicts a tenth of the flows at once (amortised O(1) per new flow), in `evictionOrder`.
    private func evictOldest() {
        for key in evictionOrder().prefix(max(1, flows.count / 10)) {
            counters.flowsEvicted += 1
            close(key, reason: .evicted)
        }
    }

    /// Evicts flows in `evictionOrder` until the bytes held by reassembly are down to three quarters of
    /// the total limit (so shedding is rare, not once per segment at the limit).
    private func shedBufferedBytes() {
        reassembly.limitHits += 1
        let target = limits.maxBufferedBytesTotal / 4 * 3
        for key in evictionOrder() where reassembly.globalBufferedBytes > target {
            counters.flowsEvicted += 1
            close(key, reason: .evicted)
        }
    }

    /// Flows in the order they give way under pressure: connections that never carried a BGP message
    /// first, then sessions whose OPEN was not seen, then established sessions; least recently active first
    /// within each, the session id breaking ties (replays stay deterministic). A flood of fake connections
    /// cannot push out a real session while fakes remain.
    private func evictionOrder() -> [FlowKey] {
        struct Candidate {
            var rank: UInt64  // tier in the top two bits, then the last-seen time
            var id: Int
            var key: FlowKey
        }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(flows.count)
        for (key, flow) in flows {
            let s = flow.session
            let tier: UInt64 = !s.carriedMessages ? 0 : (s.opens[0] == nil && s.opens[1] == nil ? 1 : 2)
            let seen = UInt64(clamping: max(0, s.lastSeen.microseconds)) & (1 << 62 - 1)
            candidates.append(Candidate(rank: tier << 62 | seen, id: s.id, key: key))
        }
        candidates.sort { $0.rank != $1.rank ? $0.rank < $1.rank : $0.id < $1.id }
        return candidates.map(\.key)
    }

    private func sweepIfDue(now: Int64) {
        guard now - lastSweep >= 1_000_000 else { return }
        lastSweep = now
        let cutoff = now - limits.idleTimeoutMicroseconds
        let idle = flows.filter { $0.value.session.lastSeen.microseconds < cutoff }.map(\.key)
        for key in idle.sorted(by: { (flows[$0]?.session.id ?? 0) < (flows[$1]?.session.id ?? 0) }) {
            counters.flowsTimedOut += 1
            close(key, reason: .idle)
        }
    }

    // MARK: - Messages

    private func deliver(_ bytes: UnsafeRawBufferPointer, session: BGPSession, sender: Int,
                         arrival: StreamReassembler.Arrival, sink: (any CapturedUpdateSink)?) {
        guard let type = MessageType(rawValue: bytes[18]) else { return }
        counters.messages[Int(type.rawValue)] += 1
        session.counters[sender].count(type)
        switch type {
        case .open:
            var body = WireReader(bytes)
            _ = body.skip(MessageHeader.length)
            if let open = try? OpenMessage(body: &body) { session.record(open: open, from: sender) }
        case .update:
            if session.contextSources[sender] != .negotiated && session.contextSources[sender] != .configured {
                ContextInference.observe(update: bytes, session: session, sender: sender)
            }
            if sink != nil {
                // Optional chaining lends the sink as it is; bound with `if let`, it was retained and released
                // around every call (with the sink read from the property per message, too).
                sink?.capture(CapturedUpdate(frame: arrival.frame, time: arrival.time, sender: sender, bytes: bytes),
                              session: session)
                return
            }
        case .notification:
            var body = WireReader(bytes)
            _ = body.skip(MessageHeader.length)
            if let n = try? NotificationMessage(body: &body) {
                session.lastNotification = n
                session.lastNotificationFrame = arrival.frame
                session.closeReason = .notification
            }
        case .keepalive, .routeRefresh:
            break
        }
        // Built inside the event: a message built apart was copied into it and destroyed (a retain and a release
        // of its session and decoding context per message).
        handler(.message(CapturedMessage(frame: arrival.frame, time: arrival.time, session: session, sender: sender,
                                         type: type, bytes: bytes, context: session.contexts[sender])))
    }
}

/// The two endpoints of a TCP connection in canonical order, so both directions find the same flow.
struct FlowKey: Hashable {
    let low: Endpoint
    let high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if a < b {
            low = a
            high = b
        } else {
            low = b
            high = a
        }
    }
}

/// State of one tracked TCP connection.
final class Flow {
    let session: BGPSession
    var directions = [StreamReassembler(), StreamReassembler()]
    var finished = [false, false]
    /// ISN of each direction's SYN, to tell a retransmitted SYN from a new connection.
    var initialSequence: [UInt32?] = [nil, nil]

    init(session: BGPSession) { self.session = session }

    var isFinished: Bool { finished[0] || finished[1] }
    func hasData(_ d: Int) -> Bool { directions[d].hasSequence }
}
