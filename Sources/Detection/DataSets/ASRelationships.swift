import BGPWire
import Foundation
import Synchronization

/// AS relationships from CAIDA's `as-rel` files: serial-1 lines `a|b|rel`, serial-2 lines `a|b|rel|source`,
/// `#` comments; `rel` -1 means a is a provider of b, 0 means a and b are peers. One immutable snapshot.
public struct ASRelationships: Sendable {
    /// How `a` relates to `b`.
    public enum Relation: Sendable, Hashable {
        case providerOf, customerOf, peer
    }

    /// The links in a flat open-addressing table (a `[UInt64: Int8]` dictionary spent most of a 500,000-line
    /// load hashing with SipHash). Key: lower ASN in the high 32 bits, higher ASN in the low 32 bits (never
    /// 0: the two ASNs differ); value: 1 = lower is provider, -1 = lower is customer, 0 = peers.
    private var table = LinkTable(capacity: 0)
    public let source: String

    public var count: Int { table.count }

    public init(source: String = "", links: [(ASN, ASN, Relation)] = []) {
        self.source = source
        table = LinkTable(capacity: links.count)
        for (a, b, r) in links { _ = table.set(Self.key(a, b), Self.value(a, b, r)) }
    }

    @inline(__always)
    private static func key(_ a: ASN, _ b: ASN) -> UInt64 { UInt64(min(a, b)) << 32 | UInt64(max(a, b)) }

    @inline(__always)
    private static func value(_ a: ASN, _ b: ASN, _ r: Relation) -> Int8 {
        let v: Int8
        switch r {
        case .providerOf: v = 1
        case .customerOf: v = -1
        case .peer: v = 0
        }
        return a < b ? v : -v
    }

    /// How `a` relates to `b`, or `nil` when the file does not say.
    @inline(__always)
    public func relation(_ a: ASN, _ b: ASN) -> Relation? {
        guard a != b, let v = table.value(Self.key(a, b)) else { return nil }
        switch a < b ? v : -v {
        case 1: return .providerOf
        case -1: return .customerOf
        default: return .peer
        }
    }

    /// Open addressing with linear probing over packed keys; 0 marks an empty slot. Grows at 1/2 load. Key,
    /// value and line share one 16-byte slot: an insert into a table of megabytes costs one cache miss, not
    /// one per array.
    struct LinkTable: Sendable {
        struct Slot: Sendable {
            var key: UInt64 = 0
            /// The file line that set the slot (for "contradicts line N"); kept: it fits in the slot's padding.
            var line: Int32 = 0
            var value: Int8 = 0
        }

        private var slots: [Slot]
        private(set) var count = 0
        private var mask: Int

        init(capacity: Int) {
            var size = 16
            while size < capacity * 2 { size <<= 1 }
            slots = [Slot](repeating: Slot(), count: size)
            mask = size - 1
        }

        /// Where the probe for `key` starts.
        @inline(__always)
        private static func home(_ key: UInt64, mask: Int) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        }

        @inline(__always)
        private static func slot(_ key: UInt64, in slots: UnsafeBufferPointer<Slot>, mask: Int) -> Int {
            var i = home(key, mask: mask)
            while slots[i].key != 0 && slots[i].key != key { i = (i + 1) & mask }
            return i
        }

        @inline(__always)
        func value(_ key: UInt64) -> Int8? {
            slots.withUnsafeBufferPointer { s in
                let i = Self.slot(key, in: s, mask: mask)
                return s[i].key == key ? s[i].value : nil
            }
        }

        /// Stores `value` unless `key` is present already; returns the present value and the line that set it.
        mutating func set(_ key: UInt64, _ value: Int8, line: Int = 0) -> (value: Int8, line: Int)? {
            if (count + 1) * 2 > slots.count { grow() }
            let mask = mask
            let present: (value: Int8, line: Int)? = slots.withUnsafeMutableBufferPointer { s in
                let i = Self.slot(key, in: UnsafeBufferPointer(s), mask: mask)
                if s[i].key == key { return (s[i].value, Int(s[i].line)) }
                s[i] = Slot(key: key, line: Int32(truncatingIfNeeded: line), value: value)
                return nil
            }
            if present == nil { count += 1 }
            return present
        }

        /// Reads the home slot of every key in `keys` and returns a sum of what it read: independent loads whose
        /// cache misses overlap, so that the `set` calls which follow find their slots in cache instead of
        /// waiting for one miss after the other (the table of a CAIDA file is megabytes).
        func touchHomeSlots(of keys: some Sequence<UInt64>) -> UInt64 {
            slots.withUnsafeBufferPointer { s in
                var sum: UInt64 = 0
                for key in keys { sum &+= s[Self.home(key, mask: mask)].key }
                return sum
            }
        }

        private mutating func grow() {
            let old = slots
            self = LinkTable(capacity: old.count)
            for slot in old where slot.key != 0 { _ = set(slot.key, slot.value, line: Int(slot.line)) }
        }
    }

    public static func load(path: String) throws(ConfigErrors) -> ASRelationships {
        let name = (path as NSString).lastPathComponent
        return try parse(bytes: try ConfigNode.readBytes(path: path), file: name)
    }

    /// Parses as-rel text; every malformed line is reported (at most 50, then a count).
    /// Works on UTF-8 bytes: a CAIDA file has about 500,000 lines.
    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> ASRelationships {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// The same, from the file's bytes. Allocates nothing per line.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigErrors) -> ASRelationships {
        var result = ASRelationships(source: file)
        // About 22 bytes per serial-2 line; the table grows if the lines are shorter.
        result.table = LinkTable(capacity: bytes.count / 24)
        let errors = bytes.withUnsafeBufferPointer { parseLines($0, file: file, into: &result.table) }
        guard errors.isEmpty else {
            var shown = Array(errors.prefix(50))
            if errors.count > 50 { shown.append(ConfigError(file: file, line: 0, field: "", "… more errors")) }
            throw ConfigErrors(shown)
        }
        return result
    }

    /// A line read but not yet in the table: lines are inserted in batches (`LinkTable.touchHomeSlots`).
    private struct PendingLink {
        var a: ASN
        var b: ASN
        var line: Int
        var value: Int8
        var key: UInt64 { ASRelationships.key(a, b) }
    }

    private static let insertBatch = 64

    /// Reads every line into `table`; returns the errors (at most 51: more are not kept), in line order.
    private static func parseLines(_ bytes: UnsafeBufferPointer<UInt8>, file: String, into table: inout LinkTable) -> [ConfigError] {
        var errors: [ConfigError] = []
        var lineNumber = 0
        var start = 0
        let bar = UInt8(ascii: "|")
        var pending: [PendingLink] = []
        pending.reserveCapacity(insertBatch)
        var touched: UInt64 = 0
        func insertPending() {
            pending.withUnsafeBufferPointer { links in
                touched &+= table.touchHomeSlots(of: links.lazy.map(\.key))
                for link in links {
                    if let first = table.set(link.key, link.value, line: link.line), first.value != link.value, errors.count <= 50 {
                        errors.append(ConfigError(file: file, line: link.line, field: "rel", "AS\(link.a)–AS\(link.b) contradicts line \(first.line)"))
                    }
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        defer { prefetchSink.store(touched, ordering: .relaxed) }
        let fastPath = plainLineFastPath
        while start < bytes.count {
            if fastPath, let fast = plainLine(bytes, at: start) {
                lineNumber += 1
                pending.append(PendingLink(a: fast.a, b: fast.b, line: lineNumber, value: Self.value(fast.a, fast.b, fast.relation)))
                if pending.count == insertBatch { insertPending() }
                start = fast.end + 1
                continue
            }
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            defer { start = end + 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            if stop == start || bytes[start] == UInt8(ascii: "#") { continue }
            func fail(_ field: String, _ message: String) {
                insertPending()  // their contradictions come first: errors stay in line order
                if errors.count <= 50 { errors.append(ConfigError(file: file, line: lineNumber, field: field, message)) }
            }
            // Fields: a | b | rel [| source] — the ends of the first three and how many there are.
            var bars = 0
            var end0 = stop, end1 = stop, end2 = stop
            for i in start..<stop where bytes[i] == bar {
                switch bars {
                case 0: end0 = i
                case 1: end1 = i
                case 2: end2 = i
                default: break
                }
                bars += 1
            }
            guard bars == 2 || bars == 3 else {
                fail("", "expected a|b|rel or a|b|rel|source")
                continue
            }
            func number(_ from: Int, _ to: Int) -> ASN? {
                guard to > from, to - from <= 10 else { return nil }
                var v: UInt64 = 0
                for i in from..<to {
                    let c = bytes[i]
                    guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                    v = v * 10 + UInt64(c - UInt8(ascii: "0"))
                }
                return v <= UInt64(UInt32.max) ? ASN(v) : nil
            }
            guard let a = number(start, end0), let b = number(end0 + 1, end1), a != b else {
                fail("asn", "'\(String(decoding: bytes[start..<end1], as: UTF8.self))' are not two distinct AS numbers")
                continue
            }
            let relText = UnsafeBufferPointer(rebasing: bytes[(end1 + 1)..<end2])
            let relation: Relation
            if relText.count == 2, relText[0] == UInt8(ascii: "-"), relText[1] == UInt8(ascii: "1") {
                relation = .providerOf
            } else if relText.count == 1, relText[0] == UInt8(ascii: "0") {
                relation = .peer
            } else {
                fail("rel", "relationship '\(String(decoding: relText, as: UTF8.self))' is not -1 (provider→customer) or 0 (peers)")
                continue
            }
            pending.append(PendingLink(a: a, b: b, line: lineNumber, value: Self.value(a, b, relation)))
            if pending.count == insertBatch { insertPending() }
        }
        insertPending()
        return errors
    }

    /// Whether plain lines take the one-pass reader (`plainLine`). A knob only for the loaders fuzz target, which
    /// turns it off to compare the outcome with the general reader's.
    nonisolated(unsafe) public static var plainLineFastPath = true

    /// A line written the plain way — `a|b|-1` or `a|b|0`, optionally `|source` (no `|` in it), `\n` or `\r\n`
    /// or the end of the text after it, AS numbers of 1 to 10 digits that fit 32 bits and differ — read in one
    /// pass: its fields and where it ends (its `\n`, or the end of the text). `nil` for anything else (a
    /// comment, an empty or malformed line), which the general reader of `parseLines` then reads and reports,
    /// so results and messages are the same. Three passes over every line were most of a CAIDA file's load.
    @inline(__always)
    private static func plainLine(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int)
        -> (a: ASN, b: ASN, relation: Relation, end: Int)?
    {
        var i = start
        @inline(__always) func number() -> ASN? {
            guard let v = DecimalDigits.read(bytes, at: &i), v <= UInt64(UInt32.max), i < bytes.count,
                  bytes[i] == UInt8(ascii: "|") else { return nil }
            i += 1
            return ASN(v)
        }
        guard let a = number(), let b = number(), a != b, i < bytes.count else { return nil }
        let relation: Relation
        if bytes[i] == UInt8(ascii: "0") {
            relation = .peer
            i += 1
        } else if bytes[i] == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "1") {
            relation = .providerOf
            i += 2
        } else {
            return nil
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "|") {
            i += 1
            while i < bytes.count, bytes[i] != 0x0A {
                guard bytes[i] != UInt8(ascii: "|") else { return nil }
                i += 1
            }
            return (a, b, relation, i)
        }
        if i < bytes.count, bytes[i] == 0x0D { i += 1 }
        guard i == bytes.count || bytes[i] == 0x0A else { return nil }
        return (a, b, relation, i)
    }

    /// Where `parseLines` stores the sum of its prefetching loads, so that they are not optimised away.
    private static let prefetchSink = Atomic<UInt64>(0)
}

