import ArgumentParser
import Glibc
import Daemon
import Detection
import Foundation

/// `bgpsentry run`: the daemon (docs/CONFIG.md; README "Deployment").
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: capture BGP sessions live (or replay files), detect, deliver alerts to sinks.",
        discussion: """
            Reads --config (default /etc/bgpsentry/bgpsentry.yaml when it exists); flags override the file and are \
            enough to run without one. With only file sources the daemon exits once the files are read and the \
            sinks are drained. SIGHUP reloads; SIGTERM/SIGINT stop gracefully. Exit status: 0, 1 on a startup \
            error (unreadable config, registry, state directory, sink setup), 2 usage.
            """
    )

    static let defaultConfig = "/etc/bgpsentry/bgpsentry.yaml"

    @Option(help: "The daemon configuration file (bgpsentry.yaml).")
    var config: String?

    @Option(name: .customLong("interface"), help: "Capture live on this interface (repeatable; replaces the file's sources).")
    var interfaces: [String] = []

    @Option(name: .customLong("file"), help: "Replay this pcap/pcapng file, '-' for standard input (repeatable).")
    var files: [String] = []

    @Option(help: "The registered prefix table (prefixes.yaml).")
    var registry: String?

    @Option(name: .customLong("state-dir"), help: "Journal, cursors and open-alert snapshot (default /var/lib/bgpsentry).")
    var stateDir: String?

    @Option(help: "HTTP endpoint ADDRESS:PORT for /metrics, /healthz, /alerts, or 'off' (default 127.0.0.1:9179).")
    var http: String?

    @Option(help: "Add a jsonl sink writing to this file, '-' for standard output.")
    var jsonl: String?

    @Option(help: "Add a webhook sink POSTing each event to this URL.")
    var webhook: String?

    @Option(help: "Add an Alertmanager sink (base URL, e.g. http://127.0.0.1:9093).")
    var alertmanager: String?

    @Option(help: "Add a syslog sink: udp://HOST:PORT, tcp://HOST:PORT or unix:///dev/log.")
    var syslog: String?

    @Option(name: .customLong("bgp-port"), help: "TCP port carrying BGP (repeatable; default 179).")
    var bgpPorts: [UInt16] = []

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("drain-timeout"), help: "Seconds to keep delivering queued events at shutdown.")
    var drainTimeout: Double = 10

    @OptionGroup var dataSetOptions: DataSetOptions

    func validate() throws {
        for (flag, kind, value) in [("--webhook", SinkConfig.Kind.webhook, webhook), ("--alertmanager", .alertmanager, alertmanager),
                                    ("--syslog", .syslog, syslog)] {
            if let value, let problem = SinkTarget.problem(kind: kind, target: value) { throw ValidationError("\(flag): \(problem)") }
        }
        if let http, HTTPSettings.parseListen(http) == nil { throw ValidationError("--http: expected ADDRESS:PORT or off") }
        if let logLevel, LogLevelName.parse(logLevel) == nil {
            throw ValidationError("--log-level: expected one of \(LogLevelName.names.joined(separator: ", "))")
        }
        guard drainTimeout >= 0 else { throw ValidationError("--drain-timeout must not be negative") }
    }

    /// The file (when given or present at the default path) with the flags applied.
    func effectiveConfig() throws -> DaemonConfig {
        var c = DaemonConfig()
        let path = config ?? (FileManager.default.fileExists(atPath: Self.defaultConfig) ? Self.defaultConfig : nil)
        if let path { c = try DaemonConfigLoader.load(path: path) }
        if !interfaces.isEmpty || !files.isEmpty {
            c.interfaces = interfaces.map { InterfaceSource(name: $0) }
            c.files = files
        }
        if let registry { c.registry = registry }
        if let stateDir { c.stateDirectory = stateDir }
        if let http { _ = c.http.setListen(http) }  // validated in validate()
        if !bgpPorts.isEmpty { c.bgpPorts = bgpPorts }
        if let logLevel { c.logLevel = logLevel }
        if let p = dataSetOptions.asRel { c.asRelationships = p }
        if let p = dataSetOptions.rpki { c.rpki = p }
        if let p = dataSetOptions.slurm { c.slurm = p }
        if let jsonl { c.sinks.append(SinkConfig(name: "cli-jsonl", kind: .jsonl, target: jsonl)) }
        if let webhook { c.sinks.append(SinkConfig(name: "cli-webhook", kind: .webhook, target: webhook)) }
        if let alertmanager { c.sinks.append(SinkConfig(name: "cli-alertmanager", kind: .alertmanager, target: alertmanager)) }
        if let syslog { c.sinks.append(SinkConfig(name: "cli-syslog", kind: .syslog, target: syslog)) }
        guard !c.interfaces.isEmpty || !c.files.isEmpty else {
            throw DaemonError.config("nothing to capture: give --interface or --file, or sources in the config file")
        }
        return c
    }

    func run() async throws {
        // A parent may have left signals blocked (inherited across exec): SIGTERM and SIGHUP must reach us.
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        let first: DaemonConfig
        do {
            first = try effectiveConfig()
        } catch {
            FileHandleStderr.write("bgpsentry: \(error)\n")
            throw ExitCode(1)
        }
        DaemonLog.bootstrap(level: first.logLevel)
        let service: DaemonService
        do {
            service = try DaemonService(configSource: { try effectiveConfig() }, drainSeconds: drainTimeout)
            try await DaemonService.runGroup(service)
        } catch {
            FileHandleStderr.write("bgpsentry: \(Self.describe(error))\n")
            throw ExitCode(1)
        }
    }

    /// Service-lifecycle wraps a failing service's error; print the cause.
    static func describe(_ error: Error) -> String {
        if let e = error as? ConfigErrors { return "invalid configuration:\n\(e)" }
        return "\(error)"
    }
}
