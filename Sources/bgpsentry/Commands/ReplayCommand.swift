import Alerting
import ArgumentParser
import BGPWire
import Detection
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// `bgpsentry replay`: run detection over captures and print alert events.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Detect hijacks and leaks of registered prefixes in pcap/pcapng captures.",
        discussion: """
            Alert events (bgpsentry.alert/v1) go to stdout, a summary to stderr. Output is byte-identical \
            across runs for the same input. Exit status: 0, or 3 when an alert at or above --fail-on fired; \
            1 an input or the registry could not be read; 2 usage.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, jsonl
    }

    enum FailOn: String, ExpressibleByArgument, CaseIterable {
        case critical, major, warning, never

        var threshold: Severity? {
            switch self {
            case .critical: .critical
            case .major: .major
            case .warning: .warning
            case .never: nil
            }
        }
    }

    @Argument(help: "Capture files (pcap or pcapng); '-' reads standard input.")
    var files: [String] = []

    @Option(help: "The registered prefix table (prefixes.yaml).")
    var registry: String

    @Option(help: "Output format: text or jsonl (default: text on a terminal, jsonl otherwise).")
    var format: Format?

    @Option(name: .customLong("fail-on"), help: "Exit 3 when an alert of this severity or worse fired: critical, major, warning, never.")
    var failOn: FailOn = .never

    @Option(name: .customLong("bgp-port"), help: "TCP port carrying BGP (repeatable; default 179).")
    var bgpPorts: [UInt16] = []

    @Option(name: .customLong("renotify-after"), help: "Seconds of capture time after which a still-open alert fires a reminder.")
    var renotifyAfter: Int = 3600

    @OptionGroup var dataSetOptions: DataSetOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file, or '-' for standard input") }
        guard renotifyAfter > 0 else { throw ValidationError("--renotify-after must be positive") }
        guard dataSetOptions.slurm == nil || dataSetOptions.rpki != nil else {
            throw ValidationError("--slurm applies to --rpki; give both")
        }
    }

    func run() throws {
        let table: Registry
        do {
            table = try RegistryLoader.load(path: registry)
        } catch {
            FileHandleStderr.write("bgpsentry: invalid registry:\n\(error)\n")
            throw ExitCode(1)
        }
        let dataSets: DataSets
        do {
            dataSets = try dataSetOptions.load()
        } catch {
            FileHandleStderr.write("bgpsentry: invalid data set:\n\(error)\n")
            throw ExitCode(1)
        }
        let out = OutputStream.standardOutput
        let chosen = format ?? (out.isTerminal ? .text : .jsonl)
        var options = DetectionEngine.Options()
        options.renotifyAfterMicroseconds = Int64(renotifyAfter) * 1_000_000
        let run = ReplayRun(format: chosen, output: out, registry: table, colour: out.isTerminal)
        let engine = DetectionEngine(registry: table, dataSets: dataSets, options: options) { [run] event in run.emit(event) }
        run.engine = engine
        let decoder = CaptureDecoder(bgpPorts: Set(bgpPorts.isEmpty ? [179] : bgpPorts)) { [run] event in run.handle(event) }
        let clock = MonotonicClock()
        let progress = ProgressLine(enabled: OutputStream.standardError.isTerminal, clock: clock)
        var failures: [String] = []
        for file in files {
            run.currentSource = file
            do {
                let source = try PcapSource.openOffline(file)
                let linkType = source.linkType
                while case .frame = try source.next({ frame in
                    decoder.process(frame, linkType: linkType)
                    progress.tick(frames: decoder.statistics.frames, prefixes: engine.statistics.announced + engine.statistics.withdrawn)
                }) {}
            } catch {
                failures.append("\(error)")
                FileHandleStderr.write("bgpsentry: cannot read \(error)\n")
            }
            decoder.finish()
        }
        progress.clear()
        out.flush()
        let summary = ReplaySummary.render(decoder: decoder, engine: engine, tally: run.tally, inputs: files,
                                           elapsedSeconds: clock.elapsedSeconds)
        OutputStream.standardError.write(summary)
        OutputStream.standardError.flush()
        if !failures.isEmpty { throw ExitCode(1) }
        if let threshold = failOn.threshold, run.worstFired.map({ $0 >= threshold }) == true { throw ExitCode(3) }
    }
}

/// Per-run state of `replay`: turns capture events into engine calls and engine events into output.
final class ReplayRun {
    let format: ReplayCommand.Format
    let output: OutputStream
    let registry: Registry
    let colour: Bool
    var engine: DetectionEngine?
    var currentSource = ""
    var tally = DecodeTally()
    private(set) var worstFired: Severity?
    private var writer = JSONWriter(capacity: 16 * 1024)

    init(format: ReplayCommand.Format, output: OutputStream, registry: Registry, colour: Bool) {
        self.format = format
        self.output = output
        self.registry = registry
        self.colour = colour
    }

    func handle(_ event: CaptureEvent) {
        guard let engine else { return }
        switch event {
        case .message(let m):
            switch m.type {
            case .update:
                let view = UpdateView(m.bytes, context: m.context)
                tally.count(view)
                m.session.counters[m.sender].announced += view.announcedCount
                m.session.counters[m.sender].withdrawn += view.withdrawnTotal
                engine.process(update: view, session: Self.info(m.session, neighbor: m.sender),
                               position: SourcePosition(source: currentSource, frame: m.frame), time: m.time.microseconds)
            case .open:
                engine.sessionEstablished(Self.info(m.session, neighbor: m.sender), time: m.time.microseconds)
            case .notification, .keepalive, .routeRefresh:
                break
            }
        case .sessionClosed(let session, let reason):
            // The end of a replayed file is not the end of the session: its routes and alerts stay as they
            // are, and open alerts are reported as open (docs/DETECTION.md, "Alert lifecycle").
            guard reason != .endOfCapture else { return }
            let neighbor = Self.neighborIndex(session)
            var evidence: Evidence?
            if let n = session.lastNotification {
                evidence = Evidence(position: SourcePosition(source: currentSource, frame: session.lastNotificationFrame),
                                    message: BGPMessage.notification(n).encoded())
            }
            engine.sessionClosed(Self.info(session, neighbor: neighbor), cause: Self.cause(session, reason),
                                 time: session.lastSeen.microseconds, evidence: evidence)
        }
    }

    func emit(_ event: AlertEvent) {
        if event.status == .firing, !event.reminder {
            worstFired = max(worstFired ?? event.alert.severity, event.alert.severity)
        }
        switch format {
        case .jsonl:
            writer.reset()
            AlertJSON.write(event, registry: registry, into: &writer)
            output.write(writer.bytes)
        case .text:
            output.write(AlertText.line(event, colour: colour))
        }
    }

    /// The session as seen from the receiving router, with endpoint `neighbor` as the neighbor.
    static func info(_ s: BGPSession, neighbor d: Int) -> SessionInfo {
        SessionInfo(id: s.id, local: s.endpoints[1 - d].address, neighbor: s.endpoints[d].address,
                    localASN: s.asn(1 - d), neighborASN: s.asn(d), role: s.role(d), localRole: s.role(1 - d))
    }

    /// Without configuration, the neighbor of a session is the side that announced routes (more UPDATEs).
    static func neighborIndex(_ s: BGPSession) -> Int {
        s.counters[1].updates > s.counters[0].updates ? 1 : 0
    }

    /// Why a session is down, or `nil` when its end is not a failure (end of capture, eviction).
    static func cause(_ s: BGPSession, _ reason: SessionCloseReason) -> String? {
        // A connection that never carried a BGP message (refused or aborted attempt) was never a session.
        let messages = s.counters.reduce(0) { $0 + $1.opens + $1.updates + $1.notifications + $1.keepalives + $1.routeRefreshes }
        guard messages > 0 else { return nil }
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

/// A `\r`-refreshed progress line on stderr for replays that take more than a second.
final class ProgressLine {
    private let enabled: Bool
    private let clock: MonotonicClock
    private var lastPrint = 0.0
    private var counter = 0
    private var shown = false

    init(enabled: Bool, clock: MonotonicClock) {
        self.enabled = enabled
        self.clock = clock
    }

    func tick(frames: Int, prefixes: Int) {
        guard enabled else { return }
        counter += 1
        guard counter & 1023 == 0 else { return }
        let now = clock.elapsedSeconds
        guard now >= 1, now - lastPrint >= 0.25 else { return }
        lastPrint = now
        shown = true
        FileHandleStderr.write("\r\(frames) frames, \(prefixes) prefixes, \(Int(Double(prefixes) / now)) prefixes/s   ")
    }

    func clear() {
        if shown { FileHandleStderr.write("\r\u{1B}[K") }
    }
}
