import BGPWire
#if canImport(Glibc)
import Glibc
#endif

/// The ROA objects rpki-client and Routinator write — `{"asn": 64500, "prefix": "192.0.2.0/24",
/// "maxLength": 24, "ta": "ripe", "expires": 1700000000}`, keys in any order, `asn` a number or "AS64500",
/// blanks anywhere JSON allows them — read in one pass over the bytes (that subset of RFC 8259): a
/// 600,000-ROA file spent most of its load time in the general `JSONScanner` calls (a whitespace skip, a
/// bounds check and a key lookup per token). Anything else — an escape, a nested value, a literal, a
/// fraction, a missing field, an invalid prefix or maxLength — makes `read` return nil with the scanner where
/// it was, and the general reader (`ROAList.element`) reads the object and reports what is wrong, so results
/// and messages are the same (the loaders fuzz target compares both readers).
enum FastROA {
    /// The VRP of the object at the scanner (its `{`), consumed; nil, nothing consumed, when the object is
    /// not written the plain way or is not a valid VRP.
    static func read(_ s: inout JSONScanner) -> VRP? {
        var cursor = Cursor(bytes: s.bytes, index: s.index)
        guard let vrp = cursor.object() else { return nil }
        s.index = cursor.index
        return vrp
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index: Int

        @inline(__always)
        mutating func skipBlanks() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        /// Consumes `c` after blanks; false when something else is next.
        @inline(__always)
        mutating func take(_ c: UInt8) -> Bool {
            skipBlanks()
            guard index < bytes.count, bytes[index] == c else { return false }
            index += 1
            return true
        }

        /// The bytes of a string without escapes (after its opening quote), consumed with its closing quote.
        @inline(__always)
        mutating func plainString() -> Range<Int>? {
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<(index - 1)
                case UInt8(ascii: "\\"): return nil
                default: index += 1
                }
            }
            return nil
        }

        /// A non-negative integer of at most 10 digits (all that an ASN, a length or a time needs here), after
        /// blanks unless `blanks` is false (inside a string).
        @inline(__always)
        mutating func integer(afterBlanks blanks: Bool = true) -> UInt64? {
            if blanks { skipBlanks() }
            guard let value = DecimalDigits.read(bytes, at: &index) else { return nil }
            // A fraction or an exponent is for the general reader.
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { return nil }
            return value
        }

        /// An AS number as a number or as "AS64500" / "as64500".
        mutating func asn() -> ASN? {
            skipBlanks()
            guard index < bytes.count else { return nil }
            guard bytes[index] == UInt8(ascii: "\"") else {
                guard let v = integer(), v <= UInt64(UInt32.max) else { return nil }
                return ASN(v)
            }
            index += 1
            guard let text = plainString(), text.count > 2 else { return nil }
            let (a, s) = (bytes[text.lowerBound], bytes[text.lowerBound + 1])
            guard (a, s) == (UInt8(ascii: "A"), UInt8(ascii: "S")) || (a, s) == (UInt8(ascii: "a"), UInt8(ascii: "s")) else { return nil }
            var cursor = Cursor(bytes: UnsafeBufferPointer(rebasing: bytes[(text.lowerBound + 2)..<text.upperBound]), index: 0)
            guard let v = cursor.integer(afterBlanks: false), cursor.index == cursor.bytes.count, v <= UInt64(UInt32.max) else {
                return nil
            }
            return ASN(v)
        }

        /// Skips a string or an integer (`ta`, `expires` and other keys of the same kinds).
        mutating func skipScalar() -> Bool {
            skipBlanks()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return plainString() != nil
            }
            return integer() != nil
        }

        /// Whether the key at `range` is `name`.
        @inline(__always)
        func key(_ range: Range<Int>, is name: StaticString) -> Bool {
            guard range.count == name.utf8CodeUnitCount else { return false }
            return name.withUTF8Buffer { n in
                var i = range.lowerBound
                for c in n {
                    guard bytes[i] == c else { return false }
                    i += 1
                }
                return true
            }
        }

        /// Consumes `text` when the bytes at the cursor are exactly it.
        @inline(__always)
        mutating func literal(_ text: StaticString) -> Bool {
            let n = text.utf8CodeUnitCount
            guard bytes.count - index >= n, let base = bytes.baseAddress, memcmp(base + index, text.utf8Start, n) == 0 else {
                return false
            }
            index += n
            return true
        }

        /// The three fields of a VRP as read so far.
        struct Fields {
            var asn: ASN?
            var prefix: IPPrefix?
            var maxLength: UInt64?
        }

        /// rpki-client's own layout, `{"asn":64500,"prefix":"192.0.2.0/24","maxLength":24` with nothing between
        /// the tokens, matched as literals rather than key by key (which was most of a 600,000-ROA load's
        /// reading); nil, with the cursor anywhere, for any other layout.
        @inline(__always)
        mutating func compactHead() -> Fields? {
            guard literal("{\"asn\":"), let asn = integer(afterBlanks: false), asn <= UInt64(UInt32.max),
                  literal(",\"prefix\":\""), let text = plainString(),
                  let prefix = IPPrefix(utf8: UnsafeBufferPointer(rebasing: bytes[text])),
                  literal(",\"maxLength\":"), let maxLength = integer(afterBlanks: false)
            else { return nil }
            return Fields(asn: ASN(asn), prefix: prefix, maxLength: maxLength)
        }

        /// rpki-client's usual rest after the head, `,"ta":"ripe","expires":1700000000`, skipped as literals
        /// (other members, checked one by one, were a tenth of the reading); false, cursor anywhere, otherwise.
        @inline(__always)
        mutating func compactTail() -> Bool {
            literal(",\"ta\":\"") && plainString() != nil && literal(",\"expires\":") && integer(afterBlanks: false) != nil
        }

        /// One `"key": value` member; false when it is not written the plain way or repeats a VRP field.
        mutating func member(_ fields: inout Fields) -> Bool {
            guard take(UInt8(ascii: "\"")), let name = plainString(), take(UInt8(ascii: ":")) else { return false }
            if key(name, is: "asn") {
                guard fields.asn == nil, let v = self.asn() else { return false }
                fields.asn = v
            } else if key(name, is: "prefix") {
                guard fields.prefix == nil, take(UInt8(ascii: "\"")), let text = plainString(),
                      let p = IPPrefix(utf8: UnsafeBufferPointer(rebasing: bytes[text])) else { return false }
                fields.prefix = p
            } else if key(name, is: "maxLength") {
                guard fields.maxLength == nil, let v = integer() else { return false }
                fields.maxLength = v
            } else {
                return skipScalar()
            }
            return true
        }

        mutating func object() -> VRP? {
            let start = index
            var fields: Fields
            if let head = compactHead() {
                fields = head
                let afterHead = index
                if !compactTail() { index = afterHead }
                while take(UInt8(ascii: ",")) {
                    guard member(&fields) else { return nil }
                }
            } else {
                index = start
                fields = Fields()
                guard take(UInt8(ascii: "{")) else { return nil }
                repeat {
                    guard member(&fields) else { return nil }
                } while take(UInt8(ascii: ","))
            }
            guard take(UInt8(ascii: "}")), let asn = fields.asn, let prefix = fields.prefix else { return nil }
            let length = UInt64(prefix.length)
            let ml = fields.maxLength ?? length
            guard ml >= length, ml <= (prefix.isIPv4 ? 32 : 128) else { return nil }
            return VRP(prefix: prefix, maxLength: UInt8(ml), asn: asn)
        }
    }
}
