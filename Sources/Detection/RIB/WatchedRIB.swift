import BGPWire
import Dispatch

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

    /// A stored route. Its session's facts (`SessionInfo`) are the engine's, by the slot's session id: held per
    /// route they were 72 of its ~200 bytes, and a benchmark replay's watched routes took ~1,500 page faults.
    public struct Entry: Sendable {
        public var path: ObservedPath
        /// Alerts this route currently carries.
        public var alerts: [AlertIdentity]
    }

    /// A stored route: where it came from, its entry (`nil` once the slot is free), and the next route of its
    /// prefix (`noSlot` after the last).
    private struct Slot: Sendable {
        var session: Int
        var sender: IPAddress
        var pathID: UInt32
        var next: Int32
        var entry: Entry?

        func key(_ prefix: IPPrefix) -> Key { Key(session: session, sender: sender, pathID: pathID, prefix: prefix) }

        @inline(__always)
        func matches(_ key: Key) -> Bool { session == key.session && pathID == key.pathID && sender == key.sender }
    }

    /// Every stored route, in one array; a prefix's routes are a chain through `Slot.next`, in the order they
    /// were first stored, and freed slots are reused. (An array per prefix cost an allocation and 48 bytes per
    /// watched prefix: ~27,000 allocations and ~320 page faults in a benchmark replay.)
    private struct SlotPool: Sendable {
        var slots: [Slot] = []
        var free: [Int32] = []

        /// Stores a route in a free slot; returns its index.
        mutating func add(_ key: Key, _ entry: Entry) -> Int32 {
            let slot = Slot(session: key.session, sender: key.sender, pathID: key.pathID, next: WatchedRIB.noSlot,
                            entry: entry)
            if let i = free.popLast() {
                slots[Int(i)] = slot
                return i
            }
            slots.append(slot)
            return Int32(slots.count - 1)
        }

        /// Frees slot `i` (its references go at once); returns its entry.
        mutating func release(_ i: Int32) -> Entry? {
            let entry = slots[Int(i)].entry
            slots[Int(i)].entry = nil
            free.append(i)
            return entry
        }

        /// The chain from `head` on, as (index, slot) pairs.
        func chain(from head: Int32) -> [(index: Int32, slot: Slot)] {
            var out: [(index: Int32, slot: Slot)] = []
            var i = head
            while i != WatchedRIB.noSlot {
                out.append((i, slots[Int(i)]))
                i = slots[Int(i)].next
            }
            return out
        }
    }

    /// The end of a chain.
    private static let noSlot: Int32 = -1

    /// Per prefix, the first of its routes over all sessions (usually one or two) in `pool`: one hash per update,
    /// where a table per key plus a prefix index and a session index took three.
    private var byPrefix: [IPPrefix: Int32] = [:]
    private var pool = SlotPool()
    /// The keys of the routes that carry alerts (kept by `upsert` and `remove`): the end of the last session with
    /// routes reports them without a pass over the table.
    private var alertCarriers: Set<Key> = []
    /// How many routes each session has (when a session closes while others still have routes, its routes are
    /// found by a pass over the table, which is rare; a session without routes has no count).
    private var sessionCounts: [Int: Int] = [:]
    /// Upper bound on stored routes; beyond it new routes are not tracked and `dropped` counts them.
    public var maximumEntries: Int
    /// Upper bound on the routes of one prefix over all sessions and ADD-PATH path ids (beyond it: not tracked,
    /// counted in `dropped`). A prefix's routes are scanned on every update; without this, a peer sending
    /// a watched prefix under 100,000 path ids would make each update cost 100,000 comparisons.
    public static let maximumRoutesPerPrefix = 4096
    public private(set) var dropped = 0
    public private(set) var count = 0

    /// When false, a table dropped whole (`removeSession` of the last session) is kept as it is instead of being
    /// released entry by entry: for a run that exits once it has reported (replay), whose memory the kernel takes
    /// back at once — releasing a full session's watched routes was 28 M instructions of a benchmark replay.
    let releasesDroppedTables: Bool
    private var droppedTables: [([IPPrefix: Int32], SlotPool)] = []

    /// `expectedEntries` sizes the table up front (growth rehashes every key).
    public init(maximumEntries: Int = 1_000_000, expectedEntries: Int = 0, releasesDroppedTables: Bool = true) {
        self.maximumEntries = maximumEntries
        self.releasesDroppedTables = releasesDroppedTables
        reserve(expectedEntries: expectedEntries)
    }

    /// Makes room for `expectedEntries` routes without rehashing or growing the pool (a registry arrived after
    /// the RIB was made).
    mutating func reserve(expectedEntries: Int) {
        let n = min(maximumEntries, expectedEntries)
        byPrefix.reserveCapacity(n)
        pool.slots.reserveCapacity(n)
    }

    /// Stores `entry` under `key`; returns the entry it replaced. `nil` and nothing stored when full.
    mutating func upsert(_ key: Key, _ entry: Entry) -> (previous: Entry?, stored: Bool) {
        // One hash for the prefix: its chain is changed in place (a new prefix gets an empty chain, taken out
        // again in the rare case that nothing is stored). The pool is moved out meanwhile (the closure may not
        // touch `self` while the table is being changed); moving it back and forth copies nothing.
        let full = count >= maximumEntries
        var previous: Entry?
        var stored = false
        var pool = self.pool
        self.pool = SlotPool()
        Self.modify(&byPrefix[key.prefix, default: Self.noSlot]) { head in
            var last = Self.noSlot
            var i = head
            var routes = 0
            while i != Self.noSlot {
                if pool.slots[Int(i)].matches(key) {
                    previous = pool.slots[Int(i)].entry
                    pool.slots[Int(i)].entry = entry
                    stored = true
                    return
                }
                last = i
                i = pool.slots[Int(i)].next
                routes += 1
            }
            guard !full, routes < Self.maximumRoutesPerPrefix else { return }
            let new = pool.add(key, entry)
            if last == Self.noSlot { head = new } else { pool.slots[Int(last)].next = new }
            stored = true
        }
        self.pool = pool
        if let previous {
            if !entry.alerts.isEmpty {
                alertCarriers.insert(key)
            } else if !previous.alerts.isEmpty {
                alertCarriers.remove(key)
            }
            return (previous, true)
        }
        guard stored else {
            if let i = byPrefix.index(forKey: key.prefix), byPrefix.values[i] == Self.noSlot { byPrefix.remove(at: i) }
            dropped += 1
            return (nil, false)
        }
        if !entry.alerts.isEmpty { alertCarriers.insert(key) }
        count += 1
        sessionCounts[key.session, default: 0] += 1
        return (nil, true)
    }

    /// Lends `value` to `body` in place (for the dictionary's modify accessor: one lookup).
    @inline(__always)
    private static func modify<Value>(_ value: inout Value, _ body: (inout Value) -> Void) { body(&value) }

    mutating func remove(_ key: Key) -> Entry? {
        guard let d = byPrefix.index(forKey: key.prefix) else { return nil }
        var previous = Self.noSlot
        var i = byPrefix.values[d]
        while i != Self.noSlot, !pool.slots[Int(i)].matches(key) {
            previous = i
            i = pool.slots[Int(i)].next
        }
        guard i != Self.noSlot else { return nil }
        let next = pool.slots[Int(i)].next
        if previous != Self.noSlot {
            pool.slots[Int(previous)].next = next
        } else if next != Self.noSlot {
            byPrefix.values[d] = next
        } else {
            byPrefix.remove(at: d)
        }
        guard let old = pool.release(i) else { return nil }
        if !old.alerts.isEmpty { alertCarriers.remove(key) }
        count -= 1
        // A session without routes leaves no count behind (`removeSession` relies on it).
        if let s = sessionCounts.index(forKey: key.session) {
            sessionCounts.values[s] -= 1
            if sessionCounts.values[s] == 0 { sessionCounts.remove(at: s) }
        }
        return old
    }

    /// The routes of `prefix` (slot and index), in the order they were first stored.
    private func chain(_ prefix: IPPrefix) -> [(index: Int32, slot: Slot)] {
        byPrefix[prefix].map { pool.chain(from: $0) } ?? []
    }

    /// Every current route for `prefix`, over all sessions, in a stable order.
    public func routes(for prefix: IPPrefix) -> [Entry] {
        chain(prefix).compactMap(\.slot.entry)
    }

    /// The sessions of `routes(for:)`, in the same order.
    public func routeSessions(for prefix: IPPrefix) -> [Int] {
        chain(prefix).map(\.slot.session)
    }

    public func routeCount(for prefix: IPPrefix) -> Int {
        var n = 0
        var i = byPrefix[prefix] ?? Self.noSlot
        while i != Self.noSlot {
            n += 1
            i = pool.slots[Int(i)].next
        }
        return n
    }

    /// Removes every route of a session (it closed) and returns the ones the caller has something to do about —
    /// those that carry alerts, and those for one of `notablePrefixes` — sorted by prefix, sender and path id.
    /// (Sorting all of a full session's routes, and moving them around, cost more than removing them; and when
    /// it was the last session with routes, the table is dropped whole and the routes to return are found through
    /// `alertCarriers` and `notablePrefixes`, without a pass over it.)
    mutating func removeSession(_ session: Int, notablePrefixes: Set<IPPrefix>) -> [(Key, Entry)] {
        guard sessionCounts.removeValue(forKey: session) != nil else { return [] }
        var removed: [(Key, Entry)] = []
        var removedCount = 0
        if sessionCounts.isEmpty {
            // The last session with routes (a one-session capture ending in a NOTIFICATION, FIN or RST): every
            // route is its own.
            for key in alertCarriers {
                guard let entry = chain(key.prefix).first(where: { $0.slot.matches(key) })?.slot.entry else { continue }
                removed.append((key, entry))
            }
            for prefix in notablePrefixes {
                for (_, slot) in chain(prefix) {
                    guard let entry = slot.entry, entry.alerts.isEmpty else { continue }
                    removed.append((slot.key(prefix), entry))  // the ones with alerts are in already
                }
            }
            removedCount = count
            alertCarriers = []
            // Freed on another thread: releasing every route took as long as reading them, on the thread whose
            // alert events come next. The box holds the only reference, and the other thread empties it: with a
            // copy captured and the local one released here, whichever release came last freed the table, and
            // that was usually this thread's (the other had nothing else to do).
            if releasesDroppedTables {
                let doomed = DoomedTable((byPrefix, pool))
                byPrefix = [:]
                pool = SlotPool()
                DispatchQueue.global(qos: .utility).async { doomed.free() }
            } else {
                droppedTables.append((byPrefix, pool))
                byPrefix = [:]
                pool = SlotPool()
            }
        } else {
            var emptied: [IPPrefix] = []
            var d = byPrefix.startIndex
            while d != byPrefix.endIndex {
                let prefix = byPrefix.keys[d]
                var previous = Self.noSlot
                var i = byPrefix.values[d]
                while i != Self.noSlot {
                    let slot = pool.slots[Int(i)]
                    guard slot.session == session, let entry = slot.entry else {
                        previous = i
                        i = slot.next
                        continue
                    }
                    removedCount += 1
                    if !entry.alerts.isEmpty {
                        alertCarriers.remove(slot.key(prefix))
                        removed.append((slot.key(prefix), entry))
                    } else if !notablePrefixes.isEmpty, notablePrefixes.contains(prefix) {
                        removed.append((slot.key(prefix), entry))
                    }
                    if previous == Self.noSlot {
                        byPrefix.values[d] = slot.next
                    } else {
                        pool.slots[Int(previous)].next = slot.next
                    }
                    _ = pool.release(i)
                    i = slot.next
                }
                if byPrefix.values[d] == Self.noSlot { emptied.append(prefix) }
                d = byPrefix.index(after: d)
            }
            for prefix in emptied { byPrefix[prefix] = nil }
        }
        count -= removedCount
        // Sorted through an index array over the keys alone: moving or even reading a pair copies its entry
        // (three retains and releases).
        let keyList = removed.map(\.0)
        let order = keyList.indices.sorted { i, j in
            (keyList[i].prefix, keyList[i].sender, keyList[i].pathID) < (keyList[j].prefix, keyList[j].sender, keyList[j].pathID)
        }
        return order.map { removed[$0] }
    }
}

/// A table handed to another thread to be freed there (`WatchedRIB.removeSession`).
private final class DoomedTable<Table>: @unchecked Sendable {
    private var table: Table?

    init(_ table: Table) { self.table = table }

    /// Releases the table: its memory is freed on the calling thread when nothing else holds it.
    func free() { table = nil }
}
