/// A forward-only JSON tokenizer over UTF-8 bytes (RFC 8259) for large machine-written files (600,000 ROAs):
/// callers pull keys and scalars and skip what they do not need, so no dictionary is built per object.
/// Every read is checked against the end of the buffer; malformed input raises `JSONScanner.Failure` with
/// its byte offset. It reads through an unsafe buffer (the caller keeps the bytes alive, see `scan`) so
/// that the per-byte loops carry no second, array bounds check.
struct JSONScanner {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Nesting depth, capped so hostile input cannot exhaust the stack.
    private(set) var depth = 0
    static let maximumDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int = 0, depth: Int = 0) {
        self.bytes = bytes
        self.index = index
        self.depth = depth
    }

    /// Runs `body` with a scanner over `bytes`.
    static func scan<T>(_ bytes: [UInt8], _ body: (inout JSONScanner) throws(Failure) -> T) throws(Failure) -> T {
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) -> T in
            var scanner = JSONScanner(buffer)
            return try body(&scanner)
        }
    }

    func fail(_ message: String) -> Failure { Failure(offset: index, message: message) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func expect(_ c: UInt8) throws(Failure) {
        guard peek() == c else { throw fail("expected '\(Character(UnicodeScalar(c)))'") }
        index += 1
    }

    /// Consumes `c` if it is next.
    mutating func consume(_ c: UInt8) -> Bool {
        guard peek() == c else { return false }
        index += 1
        return true
    }

    /// Iterates an object's keys; `body` must consume each value.
    mutating func forEachKey(_ body: (inout JSONScanner, String) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        try enter()
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Iterates an object's keys without making a String of each: `body` gets the key's index in `names`, or
    /// -1 for any other key, and must consume each value. For the hot loops of large files (600,000 ROAs).
    mutating func forEachKey(among names: [StaticString], _ body: (inout JSONScanner, Int) throws(Failure) -> Void)
        throws(Failure)
    {
        try expect(UInt8(ascii: "{"))
        try enter()
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            let match: Int
            if let raw = try rawStringRange() {
                match = Self.index(of: raw, in: names, bytes: bytes)
            } else {
                let key = Array(try string().utf8)  // escaped key: compare its unescaped text
                match = key.withUnsafeBufferPointer { k in
                    names.firstIndex { n in n.withUTF8Buffer { $0.elementsEqual(k) } } ?? -1
                }
            }
            try expect(UInt8(ascii: ":"))
            try body(&self, match)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    private static func index(of raw: Range<Int>, in names: [StaticString], bytes: UnsafeBufferPointer<UInt8>) -> Int {
        for (n, name) in names.enumerated() where name.utf8CodeUnitCount == raw.count {
            let equal = name.withUTF8Buffer { w in
                var i = raw.lowerBound
                for c in w {
                    guard bytes[i] == c else { return false }
                    i += 1
                }
                return true
            }
            if equal { return n }
        }
        return -1
    }

    /// The byte range of a string without escapes, consumed; `nil` (nothing consumed) when it has escapes.
    private mutating func rawStringRange() throws(Failure) -> Range<Int>? {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\\") {
                index = start - 1
                return nil
            }
            if c == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            index += 1
        }
        throw Failure(offset: start, message: "unterminated string")
    }

    /// Iterates an array's elements; `body` must consume each element.
    mutating func forEachElement(_ body: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["))
        try enter()
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return }
        repeat {
            try body(&self)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    /// `forEachElement`, but when `stop` is the start of one of the array's elements it stops there (that
    /// element not consumed, the scanner left inside the array) and returns true.
    mutating func forEachElement(stoppingAt stop: Int, _ body: (inout JSONScanner) throws(Failure) -> Void)
        throws(Failure) -> Bool
    {
        try expect(UInt8(ascii: "["))
        try enter()
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return false }
        repeat {
            skipWhitespace()
            if index == stop { return true }
            try body(&self)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
        return false
    }

    /// The rest of an array, for a scanner made at the start of one of its elements (with the array's
    /// depth): the elements up to the closing bracket, which is consumed.
    mutating func forEachRemainingElement(_ body: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        repeat {
            try body(&self)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    /// A guess at an element start of the array being read, at or after `offset`: a `{` whose previous
    /// non-blank byte is a comma. Only a guess (it may lie inside a string): `forEachElement(stoppingAt:)`
    /// from the array's real start is what confirms it.
    func objectElementCandidate(from offset: Int) -> Int? {
        var i = max(offset, 1)
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{") {
                var j = i - 1
                while j > 0, bytes[j] == 0x20 || bytes[j] == 0x0A || bytes[j] == 0x0D || bytes[j] == 0x09 { j -= 1 }
                if bytes[j] == UInt8(ascii: ",") { return i }
            }
            i += 1
        }
        return nil
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= JSONScanner.maximumDepth else { throw fail("nested deeper than \(JSONScanner.maximumDepth)") }
    }

    /// The raw bytes of a string without escapes (`nil` when it has escapes: use `string()` then).
    mutating func rawString() throws(Failure) -> UnsafeBufferPointer<UInt8>? {
        guard let range = try rawStringRange() else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            if c == UInt8(ascii: "\"") {
                let raw = bytes[start..<index]
                index += 1
                return escaped ? JSONScanner.unescape(raw) : String(decoding: raw, as: UTF8.self)
            }
            index += 1
        }
        throw Failure(offset: start, message: "unterminated string")
    }

    /// Consumes a string without decoding it.
    mutating func skipString() throws(Failure) {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                index += 1
                return
            default: index += 1
            }
        }
        throw Failure(offset: start, message: "unterminated string")
    }

    /// Minimal unescaping (\" \\ \/ \n \t \r \b \f \uXXXX without surrogate pairs).
    static func unescape(_ raw: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        var out: [UInt8] = []
        var i = raw.startIndex
        while i < raw.endIndex {
            let c = raw[i]
            guard c == UInt8(ascii: "\\"), i + 1 < raw.endIndex else {
                out.append(c)
                i += 1
                continue
            }
            let e = raw[i + 1]
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u") where i + 5 < raw.endIndex:
                let hex = String(decoding: raw[(i + 2)...(i + 5)], as: UTF8.self)
                if let v = UInt32(hex, radix: 16), let scalar = UnicodeScalar(v) { out += Array(String(Character(scalar)).utf8) }
                i += 6
                continue
            default: out.append(e)
            }
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A number, as a Double (integers up to 2^53 are exact); plain integers skip text conversion.
    mutating func number() throws(Failure) -> Double {
        skipWhitespace()
        let start = index
        var integer: Int64 = 0
        var plain = true
        var negative = false
        scan: while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if plain {
                    let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
                    if o1 || o2 { plain = false } else { integer = a }
                }
            case UInt8(ascii: "-") where index == start:
                negative = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                plain = false
            default:
                break scan
            }
            index += 1
        }
        guard index > start, !(negative && index == start + 1) else { throw Failure(offset: start, message: "expected a number") }
        if plain { return Double(negative ? -integer : integer) }
        guard let v = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw Failure(offset: start, message: "expected a number")
        }
        return v
    }

    /// An AS number written as a number or as "AS64500".
    mutating func asn() throws(Failure) -> UInt32? {
        if peek() == UInt8(ascii: "\"") {
            var s = Substring(try string())
            if s.hasPrefix("AS") || s.hasPrefix("as") { s = s.dropFirst(2) }
            return UInt32(s)
        }
        let v = try number()
        guard v >= 0, v <= Double(UInt32.max), v == v.rounded() else { return nil }
        return UInt32(v)
    }

    /// Skips any value.
    mutating func skipValue() throws(Failure) {
        switch peek() {
        case UInt8(ascii: "{")?: try forEachKey { s, _ throws(Failure) in try s.skipValue() }
        case UInt8(ascii: "[")?: try forEachElement { s throws(Failure) in try s.skipValue() }
        case UInt8(ascii: "\"")?: try skipString()
        case UInt8(ascii: "t")?: try literal("true")
        case UInt8(ascii: "f")?: try literal("false")
        case UInt8(ascii: "n")?: try literal("null")
        case nil: throw fail("unexpected end of input")
        default: _ = try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw fail("unexpected end of input") }
        var ok = true
        word.withUTF8Buffer { w in
            for k in 0..<n where bytes[index + k] != w[k] { ok = false }
        }
        guard ok else { throw fail("invalid literal") }
        index += n
    }

    /// 1-based line of a byte offset (only computed for error messages).
    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A { line += 1 }
        return line
    }
}
