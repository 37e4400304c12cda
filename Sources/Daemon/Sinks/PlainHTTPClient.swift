import Dispatch
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client for `http://` sink URLs (RFC 9112): POST with keep-alive over a small pool of
/// blocking sockets, run on its own dispatch queue so the cooperative threads never block. A plain-HTTP sink
/// on the same host or LAN (the usual Alertmanager, a local webhook relay) gets an alert in a fraction of a
/// millisecond instead of the ~0.7 ms AsyncHTTPClient needs per round trip; `https://` stays with
/// AsyncHTTPClient. Bounded everywhere: response head 64 KiB, body read and discarded up to 1 MiB.
final class PlainHTTPClient: Sendable {
    let host: String
    let port: Int
    /// Path and query, as sent in the request line.
    let target: String
    let timeoutSeconds: Double
    private let idle = NIOLockedValueBox<[Int32]>([])
    private let queue = DispatchQueue(label: "bgpsentry.http", attributes: .concurrent)
    static let maximumHead = 64 * 1024
    static let maximumBody = 1 << 20

    init?(url: String, timeoutSeconds: Double) {
        guard let c = URLComponents(string: url), c.scheme?.lowercased() == "http", let host = c.host, !host.isEmpty else { return nil }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = c.port ?? 80
        var t = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
        if let q = c.percentEncodedQuery { t += "?" + q }
        self.target = t
        self.timeoutSeconds = timeoutSeconds
    }

    deinit {
        for fd in idle.withLockedValue({ $0 }) { close(fd) }
    }

    /// POSTs `body`; returns the response status code.
    func post(_ body: [UInt8], headers: [(String, String)]) async throws(SinkError) -> Int {
        let request = self.request(body, headers: headers)
        let result: Result<Int, SinkError> = await withCheckedContinuation { done in
            queue.async { done.resume(returning: self.exchange(request)) }
        }
        return try result.get()
    }

    private func request(_ body: [UInt8], headers: [(String, String)]) -> [UInt8] {
        let hostHeader = host.contains(":") ? "[\(host)]" : host
        var head = "POST \(target) HTTP/1.1\r\nHost: \(hostHeader)\(port == 80 ? "" : ":\(port)")\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// One request/response on a pooled connection; a reused connection the server closed meanwhile is
    /// retried once on a fresh one.
    private func exchange(_ request: [UInt8]) -> Result<Int, SinkError> {
        for attempt in 0..<2 {
            let reused: Bool
            var fd: Int32
            if let pooled = idle.withLockedValue({ $0.popLast() }) {
                (fd, reused) = (pooled, true)
            } else {
                switch connect() {
                case .success(let s): (fd, reused) = (s, false)
                case .failure(let e): return .failure(e)
                }
            }
            let sent = request.withUnsafeBytes { StateFiles.writeAll(fd, $0) }
            let outcome: Result<(status: Int, keepAlive: Bool), SinkError>
            if sent {
                outcome = readResponse(fd)
            } else {
                outcome = .failure(SinkError("POST http://\(host):\(port): \(String(cString: strerror(errno)))"))
            }
            switch outcome {
            case .success(let r):
                if r.keepAlive { idle.withLockedValue { $0.append(fd) } } else { close(fd) }
                return .success(r.status)
            case .failure(let e):
                close(fd)
                if reused, attempt == 0 { continue }
                return .failure(e)
            }
        }
        return .failure(SinkError("POST http://\(host):\(port): connection closed"))
    }

    private func connect() -> Result<Int32, SinkError> {
        SocketConnector.connect(.tcp(host: host, port: port), timeoutSeconds: timeoutSeconds)
    }

    /// Reads the status line and headers, then the body (Content-Length, chunked, or until close).
    private func readResponse(_ fd: Int32) -> Result<(status: Int, keepAlive: Bool), SinkError> {
        var reader = SocketReader(fd: fd)
        guard let head = reader.readHead(limit: Self.maximumHead) else {
            return .failure(SinkError("POST http://\(host):\(port): no HTTP response (\(reader.problem))"))
        }
        guard let response = PlainResponseHead(head) else {
            return .failure(SinkError("POST http://\(host):\(port): malformed HTTP response"))
        }
        var keepAlive = response.keepAlive
        if response.status == 204 || response.status == 304 || (100..<200).contains(response.status) {
            // no body
        } else if let length = response.contentLength {
            guard length <= Self.maximumBody, reader.skip(length) else { return .failure(SinkError("POST http://\(host):\(port): body cut short")) }
        } else if response.chunked {
            guard reader.skipChunked(limit: Self.maximumBody) else { return .failure(SinkError("POST http://\(host):\(port): bad chunked body")) }
        } else {
            _ = reader.skipToEnd(limit: Self.maximumBody)
            keepAlive = false
        }
        return .success((response.status, keepAlive && reader.buffered == 0))
    }
}

/// The parts of an HTTP/1.x response head a sink needs.
struct PlainResponseHead {
    var status: Int
    var contentLength: Int?
    var chunked = false
    var keepAlive: Bool

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        guard let statusLine = lines.next() else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (100...999).contains(code) else { return nil }
        status = code
        keepAlive = parts[0] == "HTTP/1.1"
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "content-length":
                guard let n = Int(value), n >= 0 else { return nil }
                contentLength = n
            case "transfer-encoding": chunked = value.hasSuffix("chunked")
            case "connection": keepAlive = value == "keep-alive" || (keepAlive && value != "close")
            default: break
            }
        }
    }
}

/// Buffered reads from a blocking socket with a receive timeout.
struct SocketReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private(set) var problem = "closed"

    init(fd: Int32) { self.fd = fd }

    var buffered: Int { buffer.count - start }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else {
            problem = n == 0 ? "connection closed" : String(cString: strerror(errno))
            return false
        }
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += chunk[0..<n]
        return true
    }

    /// Bytes up to and without the blank line ending the head.
    mutating func readHead(limit: Int) -> [UInt8]? {
        var scanned = 0  // bytes after `start` already searched
        while true {
            while start + scanned + 3 < buffer.count {
                let k = start + scanned
                if buffer[k] == 13, buffer[k + 1] == 10, buffer[k + 2] == 13, buffer[k + 3] == 10 {
                    let head = Array(buffer[start..<k])
                    start = k + 4
                    return head
                }
                scanned += 1
            }
            guard buffered < limit, fill() else { return nil }
        }
    }

    mutating func skip(_ count: Int) -> Bool {
        var left = count
        while left > 0 {
            if buffered == 0, !fill() { return false }
            let n = min(left, buffered)
            start += n
            left -= n
        }
        return true
    }

    mutating func line(limit: Int = 1024) -> String? {
        while true {
            if let i = buffer[start...].firstIndex(of: 10) {
                let text = String(decoding: buffer[start..<i], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                start = i + 1
                return text
            }
            guard buffered < limit, fill() else { return nil }
        }
    }

    /// RFC 9112 §7.1: hex-sized chunks, a zero-size chunk, optional trailers, a blank line.
    mutating func skipChunked(limit: Int) -> Bool {
        var total = 0
        while true {
            guard let sizeLine = line(), let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16), size >= 0 else { return false }
            total += size
            guard total <= limit else { return false }
            if size == 0 {
                while let trailer = line() {
                    if trailer.isEmpty { return true }
                }
                return false
            }
            guard skip(size), line() != nil else { return false }
        }
    }

    mutating func skipToEnd(limit: Int) -> Bool {
        var total = buffered
        start = buffer.count
        while total <= limit, fill() {
            total += buffered
            start = buffer.count
        }
        return true
    }
}
