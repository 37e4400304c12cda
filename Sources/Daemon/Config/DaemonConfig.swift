import BGPWire
import Detection
import Foundation
import PacketCapture

/// The daemon's configuration (`bgpsentry.yaml`, docs/CONFIG.md): capture sources, detection inputs,
/// sinks, state directory and HTTP endpoint. Values are validated when read; every mistake is reported
/// as FILE:LINE: FIELD: MESSAGE and nothing half-valid is returned.
public struct DaemonConfig: Sendable {
    public var interfaces: [InterfaceSource] = []
    /// Capture files replayed through the same pipeline (`-` = standard input).
    public var files: [String] = []
    public var bgpPorts: [UInt16] = [179]
    public var registry: String?
    public var asRelationships: String?
    public var rpki: String?
    public var slurm: String?
    public var localASNs: [ASN] = []
    public var localAddresses: [IPAddress] = []
    public var neighbors: [NeighborFacts] = []
    public var renotifyAfterSeconds = 3600
    public var limits = DaemonLimits()
    public var stateDirectory = "/var/lib/bgpsentry"
    public var journal = JournalSettings()
    public var http = HTTPSettings()
    public var logLevel = "info"
    /// Drop to this user (and its group) once the capture handles are open; `nil` keeps the current user.
    public var user: String?
    public var sinks: [SinkConfig] = []
    /// Where the file was read from, for messages (`nil` when built from flags only).
    public var source: String?

    public init() {}
}

/// A live interface to capture on (pcap(3PCAP) settings).
public struct InterfaceSource: Sendable, Hashable {
    public var name: String
    public var filter = "tcp port 179"
    public var snapLength: Int32 = 262_144
    public var bufferBytes: Int32 = 8 << 20
    public var immediate = true
    public var promiscuous = false

    public init(name: String) { self.name = name }

    public var liveOptions: PcapSource.LiveOptions {
        var o = PcapSource.LiveOptions()
        o.filter = filter
        o.snapLength = snapLength
        o.bufferSize = bufferBytes
        o.immediateMode = immediate
        o.promiscuous = promiscuous
        return o
    }
}

/// Resource bounds of the daemon (each has a metric when hit).
public struct DaemonLimits: Sendable, Hashable {
    public var maximumFlows = 10_000
    /// Bytes held by TCP reassembly over all connections (out-of-order data, partial messages).
    public var maximumReassemblyBytes = 64 << 20
    /// Out-of-order segments held per direction before the hole counts as a gap.
    public var maximumOutOfOrderSegments = 256
    public var maximumRIBEntries = 1_000_000
    public var maximumOpenAlerts = 100_000
    public init() {}
}

/// Journal settings: how often appended events are made durable, and how large a segment grows.
public struct JournalSettings: Sendable, Hashable {
    public var syncIntervalMilliseconds = 50
    public var segmentBytes = 16 << 20
    /// Total journal size kept on disk; the oldest delivered segments go first, then undelivered ones (logged).
    public var maximumBytes = 256 << 20
    public init() {}
}

/// The HTTP endpoint (`/metrics`, `/healthz`, `/alerts`).
public struct HTTPSettings: Sendable, Hashable {
    public var host = "127.0.0.1"
    public var port = 9179
    /// When set, every request needs `Authorization: Bearer <token>` (read from this file).
    public var bearerTokenFile: String?
    public var enabled = true
    public init() {}

    /// Applies `ADDR:PORT`, `[v6]:PORT`, `:PORT` or `off`; false (nothing changed) when the text is none.
    public mutating func setListen(_ text: String) -> Bool {
        guard let (host, port) = Self.parseListen(text) else { return false }
        enabled = text != "off"
        self.host = host
        self.port = port
        return true
    }

    /// Parses `ADDR:PORT`, `[v6]:PORT`, `:PORT` or `off`.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        if text == "off" { return ("", 0) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        return (host, port)
    }
}

