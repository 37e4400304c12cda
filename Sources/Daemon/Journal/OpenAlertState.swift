import Alerting
import BGPWire
import Foundation

/// The open alerts the daemon has announced, as their latest bgpsentry.alert/v1 JSON: persisted to
/// `open-alerts.jsonl` in the state directory (atomically, at each journal sync) and read back at start.
///
/// After a restart the engine's RIB is empty, so alerts restored from the snapshot are kept here until the
/// capture settles them: the engine firing the same identity again adopts it silently (no second
/// `firing` for one incident); a withdrawal or a replacing announcement of the prefix by the same neighbour,
/// or that neighbour's session closing or re-opening, resolves it with a synthesized `resolved` event.
struct OpenAlertState {
    struct Restored {
        var json: [UInt8]
        var prefix: IPPrefix?
        var neighbor: IPAddress?
        var type: String
        /// Capture time of the alert's last observation: only later events can settle it (a replay of
        /// the same capture after a restart must not end the incident with its own earlier frames).
        var lastSeen: Int64
    }

    /// Live alerts by id: latest event JSON.
    private(set) var live: [String: [UInt8]] = [:]
    /// Alerts from the snapshot the capture has not settled yet, by id.
    private(set) var restored: [String: Restored] = [:]
    /// Restored alert ids by prefix: the per-route check while restored alerts exist is one hash lookup.
    private(set) var restoredByPrefix: [IPPrefix: Set<String>] = [:]
    private(set) var dirty = false

    static let fileName = "open-alerts.jsonl"

    /// Reads the snapshot (unparsable lines are skipped and counted).
    static func load(directory: String) -> (OpenAlertState, skipped: Int) {
        var state = OpenAlertState()
        var skipped = 0
        guard let bytes = StateFiles.read("\(directory)/\(fileName)") else { return (state, 0) }
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            let json = Array(line)
            guard let o = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any], let id = o["id"] as? String,
                let type = o["type"] as? String
            else {
                skipped += 1
                continue
            }
            let neighbor = ((o["session"] as? [String: Any])?["neighbor"] as? String).flatMap(Self.address)
            let prefix = (o["prefix"] as? String).flatMap { IPPrefix($0) }
            let lastSeen = (o["lastSeen"] as? String).flatMap(Self.parseTime) ?? 0
            state.restored[id] = Restored(json: json, prefix: prefix, neighbor: neighbor, type: type, lastSeen: lastSeen)
            if let prefix { state.restoredByPrefix[prefix, default: []].insert(id) }
        }
        return (state, skipped)
    }

    /// Records an emitted event. Returns false when it must not be delivered: the first firing of an alert
    /// restored from the snapshot (the incident was announced before the restart).
    mutating func record(id: String, status: String, reminder: Bool, json: [UInt8]) -> Bool {
        dirty = true
        if status == "resolved" {
            live[id] = nil
            return true
        }
        live[id] = json
        if !reminder, let r = restored.removeValue(forKey: id) {
            if let p = r.prefix { restoredByPrefix[p]?.remove(id) }
            return false
        }
        return true
    }

    /// Restored alerts of `prefix` from `neighbor` last seen before capture time `time`.
    func restoredIDs(prefix: IPPrefix, neighbor: IPAddress, after time: Int64) -> [String] {
        (restoredByPrefix[prefix] ?? []).filter { restored[$0].map { $0.neighbor == neighbor && $0.lastSeen < time } ?? false }.sorted()
    }

    /// Restored alerts carried by `neighbor` (its session changed at capture time `time`).
    func restoredIDs(neighbor: IPAddress, after time: Int64) -> [String] {
        restored.filter { $0.value.neighbor == neighbor && $0.value.lastSeen < time }.map(\.key).sorted()
    }

    static func address(_ text: String) -> IPAddress? {
        IPv4Address(text).map(IPAddress.v4) ?? IPv6Address(text).map(IPAddress.v6)
    }

    /// RFC 3339 `…T…Z` with optional fraction → microseconds since the epoch.
    static func parseTime(_ text: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let d = f.date(from: text) ?? ISO8601DateFormatter().date(from: text) else { return nil }
        return Int64((d.timeIntervalSince1970 * 1_000_000).rounded())
    }

    var hasRestored: Bool { !restored.isEmpty }

    /// Ends a restored alert: returns the `resolved` event JSON to journal and deliver.
    mutating func resolveRestored(_ id: String, reason: String, time: Int64) -> [UInt8]? {
        guard let r = restored.removeValue(forKey: id) else { return nil }
        if let p = r.prefix { restoredByPrefix[p]?.remove(id) }
        dirty = true
        return Self.resolvedJSON(from: r.json, reason: reason, resolvedAt: RFC3339.format(time, fractionDigits: 3))
    }

    /// The stored firing event turned into its resolution: status replaced, reminder dropped, reason and
    /// resolvedAt added — the other fields keep their order and values.
    static func resolvedJSON(from firing: [UInt8], reason: String, resolvedAt: String) -> [UInt8]? {
        var text = String(decoding: firing, as: UTF8.self)
        guard text.hasSuffix("}"), let r = text.range(of: "\"status\":\"firing\"") else { return nil }
        text.replaceSubrange(r, with: "\"status\":\"resolved\"")
        text = text.replacingOccurrences(of: ",\"reminder\":true", with: "")
        text.removeLast()
        text += ",\"reason\":\"\(reason)\",\"resolvedAt\":\"\(resolvedAt)\"}"
        return Array(text.utf8)
    }

    /// Every open alert's JSON (restored ones included), sorted by id.
    var allOpen: [[UInt8]] {
        var out = live
        for (id, r) in restored where out[id] == nil { out[id] = r.json }
        return out.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The snapshot file's bytes when something changed since the last call (then considered saved;
    /// `markUnsaved` after a failed write).
    mutating func takeSnapshot() -> [UInt8]? {
        guard dirty else { return nil }
        dirty = false
        var bytes: [UInt8] = []
        for json in allOpen {
            bytes += json
            bytes.append(0x0A)
        }
        return bytes
    }

    mutating func markUnsaved() { dirty = true }
}
