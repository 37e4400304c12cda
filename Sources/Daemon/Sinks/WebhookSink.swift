import Foundation

/// `webhook`: POSTs each bgpsentry.alert/v1 event as JSON, with configured headers and, when a secret is
/// set, `X-BGPSentry-Signature: sha256=HEX` = HMAC-SHA256(secret, body) so receivers can authenticate it.
struct WebhookSink: AlertSink {
    let poster: HTTPPoster
    let headers: [(String, String)]
    let secret: [UInt8]?
    let signatureHeader: String

    init(_ config: SinkConfig) throws(DaemonError) {
        guard let target = HTTPTarget(config.target) else { throw DaemonError.sink(config.name, "not an http(s) URL") }
        poster = HTTPPoster(target: target, timeoutSeconds: config.timeoutSeconds)
        headers = config.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        secret = try SecretReader.read(config)
        signatureHeader = config.signatureHeader
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        var h = headers
        h.append(("X-BGPSentry-Event", event.status))
        h.append(("X-BGPSentry-Sequence", String(event.sequence)))
        if let secret { h.append((signatureHeader, "sha256=" + SHA256.hex(SHA256.hmac(key: secret, message: event.json)))) }
        try await poster.post(event.json, headers: h)
    }
}

/// Reads a sink secret from a file or the environment. The value is never logged; a secret file readable
/// by other users is refused (chmod 600 or 640 it).
enum SecretReader {
    static func read(_ config: SinkConfig) throws(DaemonError) -> [UInt8]? {
        if let variable = config.secretEnvironment {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw DaemonError.sink(config.name, "environment variable \(variable) (secretEnv) is not set")
            }
            return Array(value.utf8)
        }
        guard let path = config.secretFile else { return nil }
        do throws(DaemonError) {
            return try SecretFile.read(path, field: "secretFile")
        } catch {
            throw DaemonError.sink(config.name, error.description)
        }
    }
}
