#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to a file descriptor (stdout for events, stderr for summaries), flushed at 64 KiB and on exit.
/// Used from one thread only (the command's), hence the `nonisolated(unsafe)` shared instances.
final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let threshold = 64 * 1024

    nonisolated(unsafe) static let standardOutput = OutputStream(fd: 1)
    nonisolated(unsafe) static let standardError = OutputStream(fd: 2)

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(threshold * 2)
    }

    var isTerminal: Bool { isatty(fd) == 1 }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= threshold { flush() }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= threshold { flush() }
    }

    func flush() {
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    break  // EPIPE or similar: the reader went away; drop the rest.
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
