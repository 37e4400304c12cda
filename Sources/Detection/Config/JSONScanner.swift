/// A forward-only JSON tokenizer over UTF-8 bytes (RFC 8259) for large machine-written files (600,000 ROAs):
/// callers pull keys and scalars and skip what they do not need, so no dictionary is built per object.
/// Every read is bounds-checked; malformed input raises `JSONScanner.Failure` with its byte offset.
struct JSONScanner {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    let bytes: [UInt8]
    private(set) var index = 0
    /// Nesting depth, capped so hostile input cannot exhaust the stack.
    private var depth = 0
    static let maximumDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

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

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= JSONScanner.maximumDepth else { throw fail("nested deeper than \(JSONScanner.maximumDepth)") }
    }

    /// The raw bytes of a string without escapes (`nil` when it has escapes: use `string()` then).
    mutating func rawString() throws(Failure) -> ArraySlice<UInt8>? {
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
                return bytes[start..<(index - 1)]
            }
            index += 1
        }
        throw Failure(offset: start, message: "unterminated string")
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

    /// Minimal unescaping (\" \\ \/ \n \t \r \b \f \uXXXX without surrogate pairs).
    static func unescape(_ raw: ArraySlice<UInt8>) -> String {
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
        case UInt8(ascii: "\"")?: _ = try string()
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
