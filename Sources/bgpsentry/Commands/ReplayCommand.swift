import Alerting
import Daemon
import ArgumentParser
import Foundation
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

    @OptionGroup var captureLimits: CaptureLimitOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file, or '-' for standard input") }
        guard (1...31_536_000).contains(renotifyAfter) else {
            throw ValidationError("--renotify-after must be between 1 and 31536000 seconds (a year)")
        }
        guard dataSetOptions.slurm == nil || dataSetOptions.rpki != nil else {
            throw ValidationError("--slurm applies to --rpki; give both")
        }
    }

    func run() throws {
        BatchAllocator.configure(hugePageHeap: true)
        // The registry and the data sets load on threads of their own while this one starts reading the capture:
        // the parse thread's triage and the engine take the registry before their first UPDATE, the engine the
        // data sets before its first event (FeedPipeline), and nothing is detected or written before.
        let registryPath = registry
        // On two CPUs, the parse side and the capture side get one each (`CPUPlacement`); not with data sets.
        let pin = dataSetOptions.isEmpty && CPUPlacement.applies
        let place: @Sendable (CPUPlacement.Side) -> Void = { side in
            if pin { CPUPlacement.pinCurrentThread(to: side) }
        }
        place(.capture)
        let registryLoad = JoinableThread { () throws(ConfigErrors) -> Registry in
            place(.parse)
            return try RegistryLoader.load(path: registryPath)
        }
        let dataSets = dataSetOptions
        let dataSetLoad = dataSets.isEmpty ? nil : JoinableThread { () throws(ConfigErrors) -> DataSets in try dataSets.load() }
        let pendingRegistry = PendingRegistry(wait: { try? registryLoad.join().get() })
        let out = OutputStream.standardOutput
        let chosen = format ?? (out.isTerminal ? .text : .jsonl)
        var options = DetectionEngine.Options()
        options.renotifyAfterMicroseconds = Int64(renotifyAfter) * 1_000_000
        options.releasesDroppedRoutes = false  // replay exits once it has reported (OneShotExit)
        let run = ReplayRun(format: chosen, output: out, registry: pendingRegistry, colour: out.isTerminal)
        let engine = DetectionEngine(registry: Registry(prefixes: []), options: options) { [run] event in run.emit(event) }
        // Frames and TCP on this thread, UPDATE parsing and triage on a second (CaptureRelay), detection on a third
        // (FeedPipeline); the tally and the summary are read after `finish()`.
        let pending = dataSetLoad.map { load in
            PendingDataSets(includesRPKI: dataSets.rpki != nil, wait: { try? load.join().get() })
        }
        let pipeline = FeedPipeline(feed: EngineFeed(engine: engine), pendingRegistry: pendingRegistry,
                                    pendingDataSets: pending,
                                    engineThreadStarted: { place(.capture) })
        ThreadPriority.lowerCurrentThread(by: 5)  // loaders and engine first
        var tally = DecodeTally()
        let relay = CaptureRelay(pipeline: pipeline, malformed: { view in tally.countMalformed(view) },
                                 parseThreadStarted: { place(.parse) })
        let decoder = CaptureDecoder(
            bgpPorts: Set(bgpPorts.isEmpty ? [179] : bgpPorts), limits: captureLimits.limits, updateSink: relay
        ) { [relay] event in
            relay.handle(event)
        }
        let clock = MonotonicClock()
        let progress = ProgressLine(enabled: OutputStream.standardError.isTerminal, clock: clock)
        var failures: [String] = []
        for file in files where !pipeline.isAbandoned {
            relay.currentSource = file
            do {
                let source = try PcapSource.openOffline(file)
                let linkType = source.linkType
                while case .frame = try source.next({ frame in
                    decoder.process(frame, linkType: linkType)
                    progress.tick(frames: decoder.statistics.frames, prefixes: relay.routesCounted)
                }), !pipeline.isAbandoned {}
            } catch {
                failures.append("\(error)")
            }
            decoder.finish()
        }
        relay.finish()
        run.finish()
        progress.clear()
        // An unusable registry or data set is the one error reported: nothing was detected.
        if case .failure(let error) = registryLoad.join() {
            FileHandleStderr.write("bgpsentry: invalid registry:\n\(error)\n")
            throw ExitCode(1)
        }
        if case .failure(let error) = dataSetLoad?.join() {
            FileHandleStderr.write("bgpsentry: invalid data set:\n\(error)\n")
            throw ExitCode(1)
        }
        for failure in failures { FileHandleStderr.write("bgpsentry: cannot read \(failure)\n") }
        out.flush()
        let summary = ReplaySummary.render(decoder: decoder, engine: engine, tally: tally, inputs: files,
                                           elapsedSeconds: clock.elapsedSeconds)
        OutputStream.standardError.write(summary)
        OutputStream.standardError.flush()
        if !failures.isEmpty { OneShotExit.now(status: 1) }
        if let threshold = failOn.threshold, run.worstFired.map({ $0 >= threshold }) == true {
            OneShotExit.now(status: 3)
        }
        OneShotExit.now()
    }
}

/// Per-run state of `replay`: the engine's thread hands its alert events to a `BatchedConsumer`, whose thread
/// turns them into output, in order. With data sets a replay can raise thousands of alerts, and formatting them
/// was a sixth of the engine's thread, the one that ends the run.
final class ReplayRun: @unchecked Sendable {
    let format: ReplayCommand.Format
    let output: OutputStream
    /// Read on the writer thread, after the first event (the engine has the registry by then).
    let registry: PendingRegistry
    /// Writer thread: `registry` once it was taken (a semaphore round per event otherwise).
    private var loadedRegistry: Registry?
    let colour: Bool
    /// Engine thread (read after `finish()`).
    private(set) var worstFired: Severity?
    /// Writer thread.
    private var writer = JSONWriter(capacity: 16 * 1024)
    private var consumer: BatchedConsumer<AlertEvent>?

    init(format: ReplayCommand.Format, output: OutputStream, registry: PendingRegistry, colour: Bool) {
        self.format = format
        self.output = output
        self.registry = registry
        self.colour = colour
        consumer = BatchedConsumer { [unowned self] event in write(event) }
    }

    /// Engine thread: one alert event.
    func emit(_ event: AlertEvent) {
        if event.status == .firing, !event.reminder {
            worstFired = max(worstFired ?? event.alert.severity, event.alert.severity)
        }
        consumer?.submit(event)
    }

    /// After the engine's last event: writes what is left. `output` is then the caller's again.
    func finish() {
        consumer?.finish()
        consumer = nil
    }

    private func write(_ event: AlertEvent) {
        switch format {
        case .jsonl:
            if loadedRegistry == nil { loadedRegistry = registry.wait() }
            guard let loadedRegistry else { return }  // no event comes without a registry
            writer.reset()
            AlertJSON.write(event, registry: loadedRegistry, into: &writer)
            output.write(writer.bytes)
        case .text:
            output.write(AlertText.line(event, colour: colour))
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

    /// Called per frame; the counts are only evaluated when a line is printed.
    func tick(frames: @autoclosure () -> Int, prefixes: @autoclosure () -> Int) {
        guard enabled else { return }
        counter += 1
        guard counter & 1023 == 0 else { return }
        let now = clock.elapsedSeconds
        guard now >= 1, now - lastPrint >= 0.25 else { return }
        lastPrint = now
        shown = true
        let prefixes = prefixes()
        FileHandleStderr.write("\r\(frames()) frames, \(prefixes) prefixes, \(Int(Double(prefixes) / now)) prefixes/s   ")
    }

    func clear() {
        if shown { FileHandleStderr.write("\r\u{1B}[K") }
    }
}
