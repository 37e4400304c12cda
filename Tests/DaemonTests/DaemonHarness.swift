import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Locates the built `bgpsentry` and the package, and runs helper processes for the daemon tests.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: String? {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bgpsentry").path,
            packageRoot.appendingPathComponent(".build/debug/bgpsentry").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var python: String? {
        ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var ready: Bool { binary != nil && python != nil }

    static func fixture(_ path: String) -> String { packageRoot.appendingPathComponent(path).path }

    static func temporaryDirectory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-\(name)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Starts a process; stdout/stderr go to files in `dir` (so pipes never fill up).
    static func start(_ executable: String, _ arguments: [String], in dir: String, name: String,
                      stdin: Pipe? = nil, environment: [String: String]? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        _ = FileManager.default.createFile(atPath: "\(dir)/\(name).out", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(dir)/\(name).err", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: "\(dir)/\(name).out")
        p.standardError = FileHandle(forWritingAtPath: "\(dir)/\(name).err")
        if let stdin { p.standardInput = stdin }
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        // Test threads run with most signals blocked, and a child inherits the mask of the thread that
        // spawns it: unblock them so that SIGTERM and SIGHUP reach the daemon and the helpers.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        try p.run()
        return p
    }

    /// Stops a helper for good (SIGKILL): receivers must not outlive their test.
    static func kill(_ p: Process) {
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// Waits for `condition`, polling; false on timeout.
    static func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    static func read(_ path: String) -> String {
        (FileManager.default.contents(atPath: path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func lines(_ path: String) -> [String] { read(path).split(separator: "\n").map(String.init) }

    static func json(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    /// Starts the test receiver (Tests/Fixtures/daemon/receiver.py) and returns it with its port.
    static func receiver(in dir: String, name: String, failFirst: Int = 0, port: Int = 0, extra: [String] = []) throws -> (Process, Int) {
        guard let python else { throw CocoaError(.fileNoSuchFile) }
        let portFile = "\(dir)/\(name).port"
        try? FileManager.default.removeItem(atPath: portFile)
        let p = try start(python, [fixture("Tests/Fixtures/daemon/receiver.py"), "--out", "\(dir)/\(name).jsonl", "--port-file", portFile,
                                   "--fail-first", String(failFirst), "--port", String(port)] + extra, in: dir, name: name)
        guard wait(seconds: 10, { FileManager.default.fileExists(atPath: portFile) }), let n = Int(read(portFile)) else {
            kill(p)
            throw CocoaError(.fileReadUnknown)
        }
        return (p, n)
    }

    /// A free TCP port on 127.0.0.1 (bound and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// GET http://127.0.0.1:PORT/PATH with curl-free plain sockets: (status, body).
    static func get(port: Int, _ path: String) -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { return (0, "") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    /// A UDP socket on 127.0.0.1 standing in for a syslog server; `datagrams` reads what arrived.
    final class UDPListener {
        private let fd: Int32
        let port: Int

        init() {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            port = Int(UInt16(bigEndian: addr.sin_port))
            var tv = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func datagrams() -> [[UInt8]] {
            var out: [[UInt8]] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                out.append(Array(buffer[0..<n]))
            }
            return out
        }
    }

    /// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`; `messages` reads what arrived.
    final class NotifySocket {
        let path: String
        private let fd: Int32

        init(path: String) {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b } }
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// Every datagram received so far (waits up to 100 ms for each).
        func messages() -> [String] {
            var out: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                out.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
            return out
        }
    }

    /// The value of a metric line `name{labels} value` (labels given exactly as exposed, or none).
    static func metric(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}
