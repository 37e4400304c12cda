import BGPWire

/// Adj-RIB-In restricted to watched prefixes (equal to, inside or covering a registered prefix, or
/// originated by a monitored ASN): per session and direction, the current route for each prefix
/// (and ADD-PATH path id). Never the whole Internet table: unrelated routes are never stored.
public struct WatchedRIB: Sendable {
    public struct Key: Sendable, Hashable {
        public var session: Int
        public var sender: IPAddress
        public var pathID: UInt32
        public var prefix: IPPrefix
    }

    public struct Entry: Sendable {
        public var path: ObservedPath
        public var sessionInfo: SessionInfo
        /// Alerts this route currently carries.
        public var alerts: [AlertIdentity]
    }

    private var entries: [Key: Entry] = [:]
    private var byPrefix: [IPPrefix: [Key]] = [:]
    private var bySession: [Int: Set<Key>] = [:]
    /// Upper bound on stored routes; beyond it new routes are not tracked and `dropped` counts them.
    public var maximumEntries: Int
    public private(set) var dropped = 0

    /// `expectedEntries` sizes the tables up front (growth rehashes every key).
    public init(maximumEntries: Int = 1_000_000, expectedEntries: Int = 0) {
        self.maximumEntries = maximumEntries
        let capacity = min(maximumEntries, expectedEntries)
        entries.reserveCapacity(capacity)
        byPrefix.reserveCapacity(capacity)
    }

    public var count: Int { entries.count }

    /// Stores `entry` under `key`; returns the entry it replaced. `nil` and nothing stored when full.
    mutating func upsert(_ key: Key, _ entry: Entry) -> (previous: Entry?, stored: Bool) {
        if let old = entries.updateValue(entry, forKey: key) { return (old, true) }
        if entries.count > maximumEntries {
            entries[key] = nil
            dropped += 1
            return (nil, false)
        }
        byPrefix[key.prefix, default: []].append(key)
        bySession[key.session, default: []].insert(key)
        return (nil, true)
    }

    mutating func remove(_ key: Key) -> Entry? {
        guard let old = entries.removeValue(forKey: key) else { return nil }
        if var keys = byPrefix[key.prefix] {
            keys.removeAll { $0 == key }
            byPrefix[key.prefix] = keys.isEmpty ? nil : keys
        }
        // One hash of the session: a session without routes leaves no empty set behind (`removeSession` relies on it).
        if let i = bySession.index(forKey: key.session) {
            bySession.values[i].remove(key)
            if bySession.values[i].isEmpty { bySession.remove(at: i) }
        }
        return old
    }

    /// Every current route for `prefix`, over all sessions, in a stable order.
    public func routes(for prefix: IPPrefix) -> [Entry] {
        (byPrefix[prefix] ?? []).compactMap { entries[$0] }
    }

    public func routeCount(for prefix: IPPrefix) -> Int { byPrefix[prefix]?.count ?? 0 }

    /// Removes and returns every route of a session (it closed), in a stable order.
    mutating func removeSession(_ session: Int) -> [(Key, Entry)] {
        let keys = bySession.removeValue(forKey: session) ?? []
        var removed: [(Key, Entry)] = []
        if bySession.isEmpty {
            // The last session with routes (a one-session capture ending in a NOTIFICATION, FIN or RST): every
            // route is its own, so the tables are emptied whole instead of hashing each key three times.
            // (A loop: `Array(entries)` casts each labelled pair.)
            removed.reserveCapacity(entries.count)
            for (key, entry) in entries { removed.append((key, entry)) }
            entries.removeAll(keepingCapacity: true)
            byPrefix.removeAll(keepingCapacity: true)
        } else {
            removed = keys.compactMap { key in remove(key).map { (key, $0) } }
        }
        // Sorted through an index array over the keys alone: moving or even reading a pair copies its entry
        // (three retains and releases).
        let keyList = removed.map(\.0)
        let order = keyList.indices.sorted { i, j in
            (keyList[i].prefix, keyList[i].sender, keyList[i].pathID) < (keyList[j].prefix, keyList[j].sender, keyList[j].pathID)
        }
        return order.map { removed[$0] }
    }
}
