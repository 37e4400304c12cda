import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// `jsonl`: one bgpsentry.alert/v1 event per line to standard output or a file. The file is opened in
/// append mode and reopened on SIGHUP, so logrotate can move it away (`postrotate: systemctl reload`).
final class JSONLSink: AlertSink {
    let path: String
    private let fd: NIOLockedValueBox<Int32>

    init(_ config: SinkConfig) throws(DaemonError) {
        path = config.target
        fd = NIOLockedValueBox(-1)
        if let problem = openFile() { throw DaemonError.sink(config.name, problem) }
    }

    private func openFile() -> String? {
        if path == "-" {
            fd.withLockedValue { $0 = 1 }
            return nil
        }
        let new = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard new >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        fd.withLockedValue { old in
            if old > 2 { close(old) }
            old = new
        }
        return nil
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        let line = event.json + [0x0A]
        let problem: String? = fd.withLockedValue { fd in
            guard fd >= 0 else { return "\(path) is not open" }
            let ok = line.withUnsafeBytes { StateFiles.writeAll(fd, $0) }
            return ok ? nil : "cannot write \(path): \(String(cString: strerror(errno)))"
        }
        if let problem {
            _ = openFile()
            throw SinkError(problem)
        }
    }

    func reopen() async {
        if let problem = openFile() { DaemonLog.logger.error("jsonl sink: \(problem)") }
    }

    func shutdown() async {
        fd.withLockedValue { fd in
            if fd > 2 { close(fd) }
            fd = -1
        }
    }
}
