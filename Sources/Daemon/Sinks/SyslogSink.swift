import Alerting
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Where a syslog sink sends: `udp://HOST:PORT`, `tcp://HOST:PORT` or `unix:///PATH` (e.g. /dev/log).
public enum SyslogAddress: Sendable, Hashable {
    case udp(host: String, port: Int)
    case tcp(host: String, port: Int)
    case unix(path: String)

    public init?(_ text: String) {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst(7))
            guard path.hasPrefix("/"), path.utf8.count < 108 else { return nil }
            self = .unix(path: path)
            return
        }
        let isUDP = text.hasPrefix("udp://")
        guard isUDP || text.hasPrefix("tcp://"), let hp = HTTPSettings.parseListen(String(text.dropFirst(6))), hp.port > 0 else {
            return nil
        }
        self = isUDP ? .udp(host: hp.host, port: hp.port) : .tcp(host: hp.host, port: hp.port)
    }
}

/// `syslog`: RFC 5424 messages over UDP (one per datagram, RFC 5426), TCP (octet counting, RFC 6587 §3.4.1)
/// or a unix datagram socket. PRI = facility × 8 + severity (critical → crit, major → err, warning →
/// warning, resolved → notice); MSGID = the alert type; structured data `[bgpsentry@32473 …]` carries id,
/// status and prefix; MSG is the event's one-line summary.
final class SyslogSink: AlertSink {
    let address: SyslogAddress
    let facility: Int
    let appName: String
    let timeout: Double
    private let socket = NIOLockedValueBox<Int32>(-1)
    private static let hostname: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, 255) == 0 else { return "-" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "-" : name
    }()

    init(_ config: SinkConfig) throws(DaemonError) {
        guard let address = SyslogAddress(config.target) else { throw DaemonError.sink(config.name, "bad syslog URL") }
        self.address = address
        facility = config.facility
        appName = config.appName
        timeout = config.timeoutSeconds
    }

    /// The RFC 5424 message for `event` (without transport framing).
    static func message(_ event: DeliveryEvent, facility: Int, appName: String, hostname: String, time: Date = Date()) -> [UInt8] {
        let severity: Int
        switch (event.isResolved, event.severity) {
        case (true, _): severity = 5
        case (false, .critical): severity = 2
        case (false, .major): severity = 3
        case (false, .warning): severity = 4
        }
        let sd = "[bgpsentry@32473 id=\"\(event.id)\" status=\"\(event.status)\" severity=\"\(event.severity.rawValue)\""
            + (event.prefix.map { " prefix=\"\(sdEscape($0))\"" } ?? "") + "]"
        let stamp = RFC3339Now.format(time)
        let header = "<\(facility * 8 + severity)>1 \(stamp) \(hostname) \(appName) \(getpid()) \(event.type.rawValue) \(sd) "
        return Array(header.utf8) + [0xEF, 0xBB, 0xBF] + Array(event.line.utf8)
    }

    static func sdEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "]", with: "\\]")
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        let body = Self.message(event, facility: facility, appName: appName, hostname: Self.hostname)
        var framed = body
        if case .tcp = address { framed = Array("\(body.count) ".utf8) + body }
        let problem: String? = socket.withLockedValue { fd in
            if fd < 0 {
                switch SocketConnector.connect(address, timeoutSeconds: timeout) {
                case .success(let s): fd = s
                case .failure(let e): return e.message
                }
            }
            let sent = framed.withUnsafeBytes { raw -> Bool in
                if case .tcp = address { return StateFiles.writeAll(fd, raw) }
                return send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) == raw.count
            }
            if sent { return nil }
            let why = String(cString: strerror(errno))
            close(fd)
            fd = -1
            return "syslog send: \(why)"
        }
        if let problem { throw SinkError(problem) }
    }

    func reopen() async {
        socket.withLockedValue { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    func shutdown() async { await reopen() }
}

/// Opens a connected socket for a syslog address or a plain-HTTP sink (blocking, with send and receive
/// timeouts; TCP without Nagle delay).
enum SocketConnector {
    static func connect(_ address: SyslogAddress, timeoutSeconds: Double) -> Result<Int32, SinkError> {
        switch address {
        case .unix(let path):
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(SinkError("socket: \(String(cString: strerror(errno)))")) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
            }
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard ok == 0 else {
                let why = String(cString: strerror(errno))
                close(fd)
                return .failure(SinkError("connect unix://\(path): \(why)"))
            }
            return .success(fd)
        case .udp(let host, let port), .tcp(let host, let port):
            let stream: Bool
            if case .tcp = address { stream = true } else { stream = false }
            var hints = addrinfo()
            hints.ai_socktype = stream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                return .failure(SinkError("cannot resolve \(host)"))
            }
            defer { freeaddrinfo(list) }
            let fd = Glibc.socket(first.pointee.ai_family, first.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(SinkError("socket: \(String(cString: strerror(errno)))")) }
            var tv = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if stream {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                let why = String(cString: strerror(errno))
                close(fd)
                return .failure(SinkError("connect \(stream ? "tcp" : "udp")://\(host):\(port): \(why)"))
            }
            return .success(fd)
        }
    }
}

/// RFC 3339 wall-clock timestamps with microseconds, UTC (RFC 5424 TIMESTAMP).
enum RFC3339Now {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return RFC3339.format(micros, fractionDigits: 6)
    }
}
