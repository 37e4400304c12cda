import Foundation

/// A strict reader for the block-style YAML subset of BGPSentry's files: nested mappings and `- ` lists by
/// indentation, one-line flow lists `[a, b]` and flow mappings `{a: b}`, plain and quoted scalars, comments.
/// It returns `nil` for anything else (anchors, tags, multi-line scalars, …) and the caller falls back to
/// Yams, so every valid YAML file still loads. It exists because a 100,000-entry registry must load in well
/// under a second, which a general YAML node tree does not; it works on UTF-8 bytes and makes a `String`
/// only for keys and values.
enum FastYAML {
    struct Line {
        var number: Int
        var indent: Int
        /// Byte range of the content (after indentation, comment and trailing blanks removed).
        var start: Int
        var end: Int
    }

    static func parse(_ text: String) -> ConfigNode? { parse(utf8: Array(text.utf8)) }

    /// `parse` of the UTF-8 bytes of a document (a file's bytes as read: no `String` of the whole text is made).
    /// With a `ListStream`, the items of one top-level block list are handed over as they are read instead of
    /// kept in the tree, where that list is left empty.
    static func parse(utf8 bytes: [UInt8], streaming stream: ListStream? = nil) -> ConfigNode? {
        guard let lines = split(bytes), let first = lines.first else { return nil }
        var reader = Reader(bytes: bytes, lines: lines, stream: stream)
        guard let node = reader.block(indent: first.indent), reader.index == lines.count else { return nil }
        return node
    }

    /// Where the items of the block list under one key of the top-level mapping go, one by one as they are read
    /// (a registry's `prefixes`: 10,000 entries held as a tree were megabytes of fresh pages, each validated
    /// only once). `willStart` sees the top-level entries read before the list and how many items the list has
    /// (its `- ` lines, so that the caller can size its tables once). When `parse` then returns `nil` (a construct
    /// outside the subset, after some items were handed over), the caller starts again with Yams.
    struct ListStream {
        let key: String
        let willStart: (_ topLevelSoFar: [(key: String, keyLine: Int, value: ConfigNode)], _ itemCount: Int) -> Void
        let item: (ConfigNode) -> Void
        /// Offered each item that is a plain mapping — `- key: value` and further `key: value` lines at the first
        /// key's column, nothing nested — as its lines, before a node is made of it: `true` when it took the item
        /// (a registry entry read straight from its bytes), `false` to get it as a node from `item`.
        var plainItem: PlainItem? = nil
    }

    /// `ListStream.plainItem`: the document's bytes, the item's first key line (after the dash) and its other lines.
    typealias PlainItem = (_ bytes: [UInt8], _ first: Line, _ more: ArraySlice<Line>) -> Bool

    static let space = UInt8(ascii: " ")
    static let dash = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")

    /// Content lines; `nil` when a construct outside the subset shows up (tabs, directives, open quotes).
    static func split(_ bytes: [UInt8]) -> [Line]? {
        bytes.withUnsafeBufferPointer { split($0) }
    }

    /// `split` over the bytes in place: every index is within `b` by the loop conditions (bounds-checked array
    /// reads were a third of a registry's line scan).
    private static func split(_ b: UnsafeBufferPointer<UInt8>) -> [Line]? {
        var lines: [Line] = []
        // Sized once (a 10,000-prefix registry has 40,000 lines: grown by doubling, the array was copied into
        // fresh pages a dozen times).
        lines.reserveCapacity(newlineCount(b) + 1)
        var number = 0
        var i = 0
        while i < b.count {
            number += 1
            let lineEnd = nextNewline(b, from: i)
            var start = i
            while start < lineEnd && b[start] == space { start += 1 }
            guard let end = plainContentEnd(b, from: start, to: lineEnd) ?? contentEnd(b, from: start, to: lineEnd)
            else { return nil }
            if end > start {
                let isMarker = end - start == 3 && b[start] == dash && b[start + 1] == dash && b[start + 2] == dash
                if b[start] == UInt8(ascii: "%") { return nil }
                if !(isMarker && lines.isEmpty) {
                    if isMarker { return nil }
                    lines.append(Line(number: number, indent: start - i, start: start, end: end))
                }
            }
            i = lineEnd + 1
        }
        return lines
    }

    /// Where the content of the line `start..<lineEnd` (indentation skipped) ends — before a comment and trailing
    /// spaces or carriage returns — or `nil` when the line has a tab outside quotes or an open quote.
    private static func contentEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to lineEnd: Int) -> Int? {
        var end = start
        var quote: UInt8 = 0
        var j = start
        while j < lineEnd {
            let c = b[j]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: "#") && (j == start || b[j - 1] == space) {
                break
            } else if c == 0x09 {
                return nil
            }
            j += 1
            if c != space && c != 0x0D { end = j }
        }
        return quote == 0 ? end : nil
    }

    /// `contentEnd` of a line without quotes, `#` or tabs (most lines), found eight bytes at a time; `nil` when the
    /// line has one of them, for `contentEnd` to read it byte by byte (the byte loop was a fifth of a registry's
    /// load).
    @inline(__always)
    private static func plainContentEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to lineEnd: Int) -> Int? {
        guard let base = b.baseAddress else { return start }
        let raw = UnsafeRawPointer(base)
        var j = start
        while lineEnd - j >= 8 {
            guard !hasSpecialByte(raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)) else { return nil }
            j += 8
        }
        while j < lineEnd {
            let c = b[j]
            guard c != UInt8(ascii: "\""), c != UInt8(ascii: "'"), c != UInt8(ascii: "#"), c != 0x09 else {
                return nil
            }
            j += 1
        }
        var end = lineEnd
        while end > start && (b[end - 1] == space || b[end - 1] == 0x0D) { end -= 1 }
        return end
    }

    /// Whether one of the eight bytes of `word` is a quote, `#` or a tab (each test: a byte equal to `c` is a zero
    /// byte of `word ^ c…c`, which the borrow of `x - 0x01…01` shows in its high bit where `x` had none).
    @inline(__always)
    private static func hasSpecialByte(_ word: UInt64) -> Bool {
        @inline(__always) func zeroByte(_ x: UInt64) -> UInt64 {
            (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        }
        let ones: UInt64 = 0x0101_0101_0101_0101
        return zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x27)) | zeroByte(word ^ (ones &* 0x23))
            | zeroByte(word ^ (ones &* 0x09)) != 0
    }

    /// How many newlines `b` holds.
    private static func newlineCount(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        var i = nextNewline(b, from: 0)
        while i < b.count {
            n += 1
            i = nextNewline(b, from: i + 1)
        }
        return n
    }

    /// The index of the first newline in `b` at or after `start`, or `b.count`.
    private static func nextNewline(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = b.baseAddress, start < b.count,
            let hit = memchr(base + start, 0x0A, b.count - start)
        else { return b.count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    struct Reader {
        let bytes: [UInt8]
        let lines: [Line]
        var index = 0
        /// Until the top-level list it names was read.
        var stream: ListStream?
        /// True until the first block (the top level) starts.
        private var atTopLevel = true

        init(bytes: [UInt8], lines: [Line], stream: ListStream? = nil) {
            self.bytes = bytes
            self.lines = lines
            self.stream = stream
        }

        func isListItem(_ l: Line) -> Bool {
            bytes[l.start] == FastYAML.dash && (l.end - l.start == 1 || bytes[l.start + 1] == FastYAML.space)
        }

        /// A mapping or a list whose lines start at exactly `indent`.
        mutating func block(indent: Int) -> ConfigNode? {
            guard index < lines.count, lines[index].indent == indent else { return nil }
            return isListItem(lines[index]) ? list(indent: indent) : map(indent: indent)
        }

        /// A list whose `- ` lines start at `indent`; its items go to `sink` instead of the node when one is given,
        /// and its plain mapping items are offered to `plainItem` first.
        mutating func list(indent: Int, sink: ((ConfigNode) -> Void)? = nil, plainItem: PlainItem? = nil)
            -> ConfigNode?
        {
            atTopLevel = false
            let startLine = lines[index].number
            var items: [ConfigNode] = []
            func add(_ item: ConfigNode) {
                if let sink { sink(item) } else { items.append(item) }
            }
            while index < lines.count, lines[index].indent == indent, isListItem(lines[index]) {
                let line = lines[index]
                var restStart = line.start + 1
                while restStart < line.end && bytes[restStart] == FastYAML.space { restStart += 1 }
                if restStart == line.end {
                    index += 1
                    guard index < lines.count, lines[index].indent > indent, let item = block(indent: lines[index].indent)
                    else { return nil }
                    add(item)
                    continue
                }
                let rest = Line(number: line.number, indent: indent + (restStart - line.start), start: restStart, end: line.end)
                if FastYAML.keyEnd(bytes, rest.start, rest.end) != nil {
                    if let plainItem, let end = plainMappingEnd(after: index, column: rest.indent, listIndent: indent),
                        plainItem(bytes, rest, lines[(index + 1)..<end]) {
                        index = end
                        continue
                    }
                    // `- key: value` starts a mapping whose further keys sit at the key's column.
                    guard let item = map(indent: rest.indent, firstLine: rest) else { return nil }
                    add(item)
                } else {
                    guard let value = FastYAML.inline(bytes, rest.start, rest.end, line: line.number) else { return nil }
                    add(value)
                    index += 1
                }
            }
            return .list(items, line: startLine)
        }

        /// Where the mapping item whose first key is on line `first` ends when it is plain — its other lines all at
        /// `column`, followed by the end or a line at most at `listIndent` — else `nil` (`map` reads it then).
        func plainMappingEnd(after first: Int, column: Int, listIndent: Int) -> Int? {
            var end = first + 1
            while end < lines.count, lines[end].indent == column { end += 1 }
            return end == lines.count || lines[end].indent <= listIndent ? end : nil
        }

        /// The lines at exactly `indent` from line `start` on, up to the first line less indented or, at that
        /// indent, one `belongs` rejects: a block list's items, or a mapping's keys (for sizing their arrays).
        func linesAt(indent: Int, from start: Int, while belongs: (Line) -> Bool = { _ in true }) -> Int {
            var count = 0
            var i = start
            while i < lines.count, lines[i].indent >= indent {
                if lines[i].indent == indent {
                    guard belongs(lines[i]) else { break }
                    count += 1
                }
                i += 1
            }
            return count
        }

        /// A mapping at `indent`; `firstLine` stands in for the current line (the part after a list dash).
        mutating func map(indent: Int, firstLine: Line? = nil) -> ConfigNode? {
            let isTopLevel = atTopLevel
            atTopLevel = false
            let startLine = lines[index].number
            var entries: [(key: String, keyLine: Int, value: ConfigNode)] = []
            // Sized once for its keys (a registry entry has four or five: grown from one, the array was
            // reallocated three times per entry). After a list dash the first key sits on the dash's line.
            entries.reserveCapacity(firstLine == nil ? linesAt(indent: indent, from: index)
                                                     : 1 + linesAt(indent: indent, from: index + 1))
            var override = firstLine
            while index < lines.count, override != nil || lines[index].indent == indent {
                let line = override ?? lines[index]
                override = nil
                guard !isListItem(line), let colon = FastYAML.keyEnd(bytes, line.start, line.end) else { return nil }
                let key = String(decoding: bytes[line.start..<colon], as: UTF8.self)
                var valueStart = colon + 1
                while valueStart < line.end && bytes[valueStart] == FastYAML.space { valueStart += 1 }
                index += 1
                if valueStart == line.end {
                    // The value is a nested block (deeper, or a list at the same indent).
                    if index < lines.count, lines[index].indent > indent || (lines[index].indent == indent && isListItem(lines[index])) {
                        if isTopLevel, let stream, stream.key == key, isListItem(lines[index]) {
                            self.stream = nil
                            let itemCount = linesAt(indent: lines[index].indent, from: index, while: isListItem)
                            stream.willStart(entries, itemCount)
                            guard let value = list(indent: lines[index].indent, sink: stream.item,
                                                   plainItem: stream.plainItem)
                            else { return nil }
                            entries.append((key, line.number, value))
                            continue
                        }
                        guard let value = block(indent: lines[index].indent) else { return nil }
                        entries.append((key, line.number, value))
                    } else {
                        entries.append((key, line.number, .scalar("", line: line.number)))
                    }
                } else {
                    guard let value = FastYAML.inline(bytes, valueStart, line.end, line: line.number) else { return nil }
                    entries.append((key, line.number, value))
                }
            }
            if index < lines.count, lines[index].indent > indent { return nil }
            return .map(entries, line: startLine)
        }
    }

    /// Index of the `:` that ends a plain mapping key in `b[start..<end]` (followed by a blank or the end).
    static func keyEnd(_ b: [UInt8], _ start: Int, _ end: Int) -> Int? {
        guard start < end else { return nil }
        switch b[start] {
        case UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "&"), UInt8(ascii: "*"),
            UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "?"), UInt8(ascii: "%"), UInt8(ascii: "@"),
            UInt8(ascii: "`"):
            return nil
        case dash where end - start == 1 || b[start + 1] == space:
            return nil
        default:
            break
        }
        var i = start
        while i < end {
            if b[i] == colon && (i + 1 == end || b[i + 1] == space) { return i > start ? i : nil }
            if b[i] == UInt8(ascii: "#") { return nil }
            i += 1
        }
        return nil
    }

    /// A one-line value: scalar, quoted scalar, `[a, b]` or `{a: b}`.
    static func inline(_ b: [UInt8], _ start: Int, _ end: Int, line: Int) -> ConfigNode? {
        guard start < end else { return .scalar("", line: line) }
        switch b[start] {
        case UInt8(ascii: "["):
            guard b[end - 1] == UInt8(ascii: "]") else { return nil }
            var items: [ConfigNode] = []
            guard forEachPart(b, start + 1, end - 1, { s, e in
                guard let v = scalar(b, s, e) else { return false }
                items.append(.scalar(v, line: line))
                return true
            }) else { return nil }
            return .list(items, line: line)
        case UInt8(ascii: "{"):
            guard b[end - 1] == UInt8(ascii: "}") else { return nil }
            var entries: [(key: String, keyLine: Int, value: ConfigNode)] = []
            guard forEachPart(b, start + 1, end - 1, { s, e in
                guard let colon = keyEnd(b, s, e) else { return false }
                var vs = colon + 1
                while vs < e && b[vs] == space { vs += 1 }
                guard let v = scalar(b, vs, e) else { return false }
                entries.append((String(decoding: b[s..<colon], as: UTF8.self), line, .scalar(v, line: line)))
                return true
            }) else { return nil }
            return .map(entries, line: line)
        default:
            return scalar(b, start, end).map { .scalar($0, line: line) }
        }
    }

    /// Calls `body` with each trimmed comma-separated part of `b[start..<end]`; an empty list has no parts.
    static func forEachPart(_ b: [UInt8], _ start: Int, _ end: Int, _ body: (Int, Int) -> Bool) -> Bool {
        var s = start
        while s < end && b[s] == space { s += 1 }
        if s == end { return true }
        var i = start
        var partStart = start
        while i <= end {
            if i == end || b[i] == UInt8(ascii: ",") {
                var ps = partStart, pe = i
                while ps < pe && b[ps] == space { ps += 1 }
                while pe > ps && b[pe - 1] == space { pe -= 1 }
                guard ps < pe, body(ps, pe) else { return false }
                partStart = i + 1
            }
            i += 1
        }
        return true
    }

    /// A plain or simply quoted scalar; `nil` for YAML features this reader leaves to Yams.
    static func scalar(_ b: [UInt8], _ start: Int, _ end: Int) -> String? {
        guard start < end else { return "" }
        let first = b[start]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            guard end - start >= 2, b[end - 1] == first else { return nil }
            for i in (start + 1)..<(end - 1) where b[i] == first || b[i] == UInt8(ascii: "\\") { return nil }
            return String(decoding: b[(start + 1)..<(end - 1)], as: UTF8.self)
        }
        guard isPlain(b, start, end) else { return nil }
        return String(decoding: b[start..<end], as: UTF8.self)
    }

    /// True when `scalar` reads `b[start..<end]` as it is: no quotes, no indicator this reader leaves to Yams.
    static func isPlain(_ b: [UInt8], _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return true }
        switch b[start] {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"),
            UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            return false
        default:
            break
        }
        for i in start..<end {
            switch b[i] {
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): return false
            default: continue
            }
        }
        return true
    }
}
