import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An http:// or https:// URL a sink posts to.
public struct HTTPTarget: Sendable, Hashable {
    public var url: String

    public init?(_ text: String) {
        guard let u = URL(string: text), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = u.host, !host.isEmpty
        else { return nil }
        url = text
    }

    /// The URL without user info or query (for log lines: query strings and user info may carry tokens).
    public var redacted: String {
        guard var c = URLComponents(string: url) else { return "<url>" }
        c.user = nil
        c.password = nil
        if c.query != nil { c.query = "…" }
        if c.host?.hasSuffix("slack.com") == true { c.path = "/…" }  // the path of a Slack webhook is its secret
        return c.string ?? "<url>"
    }
}

/// POSTs a body and maps the outcome to `SinkError` (2xx ok; 408, 429 and 5xx retried; other 4xx permanent:
/// the same bytes would be refused again). `http://` goes through `PlainHTTPClient` (keep-alive, no event-loop
/// hops), `https://` through AsyncHTTPClient (TLS).
struct HTTPPoster: Sendable {
    let target: HTTPTarget
    let timeout: TimeAmount
    private let plain: PlainHTTPClient?

    init(target: HTTPTarget, timeoutSeconds: Double) {
        self.target = target
        self.timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        self.plain = PlainHTTPClient(url: target.url, timeoutSeconds: timeoutSeconds)
    }

    /// Creates the shared client (event loops, TLS configuration) now, so the first alert does not pay for it.
    static func warmUp() { _ = HTTPClient.shared }

    func post(_ body: [UInt8], headers: [(String, String)]) async throws(SinkError) {
        if let plain {
            let all = [("Content-Type", "application/json"), ("User-Agent", "bgpsentry/\(BGPSentryVersion.string)")] + headers
            let code: Int
            do {
                code = try await plain.post(body, headers: all)
            } catch {
                throw SinkError("POST \(target.redacted): \(error.message)")
            }
            try Self.check(code, target)
            return
        }
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "bgpsentry/\(BGPSentryVersion.string)")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: HTTPResponseStatus
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            status = response.status
            _ = try? await response.body.collect(upTo: 1 << 20)
        } catch {
            throw SinkError("POST \(target.redacted): \(error)")
        }
        try Self.check(Int(status.code), target)
    }

    private static func check(_ code: Int, _ target: HTTPTarget) throws(SinkError) {
        switch code {
        case 200..<300: return
        case 408, 429, 500...: throw SinkError("POST \(target.redacted): HTTP \(code)")
        default: throw SinkError("POST \(target.redacted): HTTP \(code) (not retried)", permanent: true)
        }
    }
}

/// The version string for User-Agent and `--version`.
public enum BGPSentryVersion {
    public static let string = "0.2.0"
}
