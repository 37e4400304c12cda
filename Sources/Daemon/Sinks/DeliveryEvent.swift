import Alerting
import Detection
import Foundation

/// One journaled alert event as sinks see it: the bgpsentry.alert/v1 JSON and the fields sinks route on.
public struct DeliveryEvent: Sendable {
    public var sequence: UInt64
    /// The event as one bgpsentry.alert/v1 JSON object (no trailing newline).
    public var json: [UInt8]
    public var id: String
    public var status: String
    public var type: AlertType
    public var severity: Severity
    public var prefix: String?
    public var group: String?
    public var offender: UInt32?
    public var summary: String
    public var firstSeen: String?
    public var resolvedAt: String?
    /// Wall-clock microseconds of the frame that caused it, for live sources (capture-to-sink latency).
    public var captureMicroseconds: Int64?

    /// Reads the routing fields back from the JSON; `nil` when it is not a v1 alert event.
    public init?(sequence: UInt64, json: [UInt8], captureMicroseconds: Int64? = nil) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let id = object["id"] as? String, let status = object["status"] as? String,
            let typeName = object["type"] as? String, let type = AlertType(rawValue: typeName)
        else { return nil }
        self.sequence = sequence
        self.json = json
        self.id = id
        self.status = status
        self.type = type
        self.severity = type.severity
        self.prefix = object["prefix"] as? String
        self.group = object["group"] as? String
        self.offender = (object["offenderASN"] as? NSNumber).map { $0.uint32Value }
        self.summary = object["summary"] as? String ?? typeName
        self.firstSeen = object["firstSeen"] as? String
        self.resolvedAt = object["resolvedAt"] as? String
        self.captureMicroseconds = captureMicroseconds
    }

    /// From an engine event and its rendered JSON (no JSON parsing on the live path).
    public init(sequence: UInt64, json: [UInt8], event: AlertEvent, captureMicroseconds: Int64?) {
        let a = event.alert
        self.sequence = sequence
        self.json = json
        self.id = a.identity.id
        self.status = event.status.rawValue
        self.type = a.identity.type
        self.severity = a.severity
        self.prefix = a.identity.prefix?.description
        self.group = a.finding.registered?.group
        self.offender = a.identity.offender
        self.summary = a.finding.summary
        self.firstSeen = RFC3339.format(a.firstSeen, fractionDigits: 3)
        self.resolvedAt = event.status == .resolved ? RFC3339.format(event.time, fractionDigits: 3) : nil
        self.captureMicroseconds = captureMicroseconds
    }

    public var isResolved: Bool { status == "resolved" }
    public var jsonString: String { String(decoding: json, as: UTF8.self) }

    /// One human line: `FIRING critical origin-hijack 13.107.136.0/22: summary`.
    public var line: String {
        "\(status.uppercased()) \(severity.rawValue) \(type.rawValue)\(prefix.map { " \($0)" } ?? ""): \(summary)"
    }
}
