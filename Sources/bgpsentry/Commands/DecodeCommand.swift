import Alerting
import ArgumentParser
import BGPWire
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// `bgpsentry decode`: every BGP message in captures as JSON lines, text, or just a summary.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode the BGP messages in pcap/pcapng captures (or raw message files).",
        discussion: """
            Writes one bgpsentry.message/v1 JSON object per message (jsonl), one line per message (text), \
            or nothing per message (summary); a summary always goes to stderr. Exit status: 0 decoded \
            (malformed input is reported, not fatal), 1 an input could not be read, 2 usage.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, text, summary
    }

    enum Input: String, ExpressibleByArgument, CaseIterable {
        case pcap, raw
    }

    @Argument(help: "Capture files (pcap or pcapng); '-' reads standard input.")
    var files: [String] = []

    @Option(help: "Output format: jsonl, text or summary (default: text on a terminal, jsonl otherwise).")
    var format: Format?

    @Option(name: .customLong("bgp-port"), help: "TCP port carrying BGP (repeatable; default 179).")
    var bgpPorts: [UInt16] = []

    @Option(help: "Input kind: pcap, or raw (concatenated BGP messages starting at a marker).")
    var input: Input = .pcap

    @OptionGroup var captureLimits: CaptureLimitOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file, or '-' for standard input") }
    }

    func run() throws {
        BatchAllocator.configure()
        let out = OutputStream.standardOutput
        let chosen = format ?? (out.isTerminal ? .text : .jsonl)
        let run = DecodeRun(format: chosen, output: out)
        let ports = Set(bgpPorts.isEmpty ? [179] : bgpPorts)
        let decoder = CaptureDecoder(bgpPorts: ports, limits: captureLimits.limits) { [run] event in run.handle(event) }
        let clock = MonotonicClock()
        var failures: [String] = []
        for file in files {
            run.currentInput = file
            do {
                switch input {
                case .pcap: try Self.readPcap(file, into: decoder)
                case .raw: try Self.readRaw(file, into: decoder)
                }
            } catch {
                failures.append("\(error)")
                FileHandleStderr.write("bgpsentry: cannot read \(error)\n")
            }
            decoder.finish()
        }
        out.flush()
        let summary = CaptureSummary.render(stats: decoder.statistics, tally: run.tally, sessions: decoder.sessions,
                                            inputs: files, elapsedSeconds: clock.elapsedSeconds)
        OutputStream.standardError.write(summary)
        OutputStream.standardError.flush()
        OneShotExit.now(status: failures.isEmpty ? 0 : 1)
    }

    static func readPcap(_ path: String, into decoder: CaptureDecoder) throws(CaptureError) {
        let source = try PcapSource.openOffline(path)
        let linkType = source.linkType
        while true {
            let result = try source.next { frame in decoder.process(frame, linkType: linkType) }
            if case .endOfFile = result { return }
        }
    }

    static func readRaw(_ path: String, into decoder: CaptureDecoder) throws(CaptureError) {
        let bytes = try RawFile.read(path)
        bytes.withUnsafeBytes { decoder.processStream($0, name: "raw") }
    }
}

/// Per-run state of `decode`: the output format, counters and a reused JSON buffer.
final class DecodeRun {
    let format: DecodeCommand.Format
    let output: OutputStream
    var tally = DecodeTally()
    var currentInput = ""
    private var writer = JSONWriter(capacity: 64 * 1024)

    init(format: DecodeCommand.Format, output: OutputStream) {
        self.format = format
        self.output = output
    }

    func handle(_ event: CaptureEvent) {
        guard case .message(let m) = event else { return }
        if m.type == .update {
            let view = UpdateView(m.bytes, context: m.context)
            tally.count(view)
            guard format != .summary else { return }
            emit(m, decoded: .update(UpdateMessage(view)), error: nil)
            return
        }
        var decoded: BGPMessage?
        var failure: WireError?
        do {
            decoded = try BGPMessage(framed: m.bytes, context: m.context)
        } catch {
            failure = error
            tally.countMalformed(m.type, error)
        }
        if case .open(let open) = decoded {
            for e in open.errors { tally.countMalformed(.open, e) }
        }
        guard format != .summary else { return }
        emit(m, decoded: decoded, error: failure)
    }

    private func emit(_ m: CapturedMessage, decoded: BGPMessage?, error: WireError?) {
        switch format {
        case .jsonl:
            writer.reset()
            MessageJSON.write(m, decoded: decoded, error: error, into: &writer)
            output.write(writer.bytes)
        case .text:
            output.write(MessageText.line(m, decoded: decoded, error: error))
        case .summary:
            break
        }
    }
}

/// Wall-clock stopwatch for the summary's elapsed time (CLOCK_MONOTONIC).
struct MonotonicClock {
    private let start = MonotonicClock.now()

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    var elapsedSeconds: Double { MonotonicClock.now() - start }
}

/// Reads a whole (small) file without Foundation; used for raw message files.
enum RawFile {
    /// Raw inputs are fuzz crashers and test vectors; refuse anything absurdly large.
    static let maximumSize = 256 << 20

    static func read(_ path: String) throws(CaptureError) -> [UInt8] {
        let file: UnsafeMutablePointer<FILE>? = path == "-" ? fdopen(0, "rb") : fopen(path, "rb")
        guard let file else {
            throw CaptureError(.openFailed, source: path, String(cString: strerror(errno)))
        }
        defer { if path != "-" { fclose(file) } }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { out.append(contentsOf: chunk[..<n]) }
            if out.count > maximumSize {
                throw CaptureError(.readFailed, source: path, "larger than \(maximumSize) bytes")
            }
            if n < chunk.count {
                if ferror(file) != 0 { throw CaptureError(.readFailed, source: path, String(cString: strerror(errno))) }
                return out
            }
        }
    }
}
