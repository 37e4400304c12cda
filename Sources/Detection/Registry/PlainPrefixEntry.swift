import BGPWire

/// A registry `prefixes` entry (docs/DETECTION.md, "The registry") in the form nearly every entry has, read
/// straight from its YAML lines:
///
///     - prefix: 192.0.2.0/24
///       origins: [64500, 64501]
///       maxLength: 24
///       group: example
///       description: Example customer
///
/// Only what the node path (`RegistryLoader.parsePrefixEntry`) would accept without an error is taken, and made
/// into the same `RegisteredPrefix`: keys among prefix, origins, maxLength, group and description, each once; a
/// plain (unquoted) prefix without host bits; origins a flow list of plain decimal ASNs; a plain decimal
/// maxLength between the prefix length and the family's; group and description as `FastYAML.scalar` reads them.
/// Anything else makes `init` fail, and the entry is read as a node, which reports what is wrong where it is.
struct PlainPrefixEntry {
    let prefix: IPPrefix
    /// The line of the `prefix:` key (duplicate messages point there).
    let prefixLine: Int
    private var origins: [ASN] = []
    private var maxLength: UInt8
    private var group: String?
    private var description: String?

    init?(_ bytes: [UInt8], first: FastYAML.Line, more: ArraySlice<FastYAML.Line>) {
        var prefixValue: (start: Int, end: Int, line: Int)?
        var originsValue: (start: Int, end: Int)?
        var maxLengthValue: (start: Int, end: Int)?
        var groupValue: (start: Int, end: Int)?
        var descriptionValue: (start: Int, end: Int)?
        var lines = more.makeIterator()
        var next: FastYAML.Line? = first
        while let line = next {
            next = lines.next()
            guard let colon = FastYAML.keyEnd(bytes, line.start, line.end) else { return nil }
            var valueStart = colon + 1
            while valueStart < line.end && bytes[valueStart] == FastYAML.space { valueStart += 1 }
            // An empty value is a nested block or an empty scalar: the node path reads both.
            guard valueStart < line.end else { return nil }
            let value = (start: valueStart, end: line.end)
            switch Self.key(bytes, line.start, colon) {
            case .prefix where prefixValue == nil: prefixValue = (value.start, value.end, line.number)
            case .origins where originsValue == nil: originsValue = value
            case .maxLength where maxLengthValue == nil: maxLengthValue = value
            case .group where groupValue == nil: groupValue = value
            case .description where descriptionValue == nil: descriptionValue = value
            default: return nil
            }
        }
        guard let prefixValue, let originsValue, FastYAML.isPlain(bytes, prefixValue.start, prefixValue.end),
            let prefix = bytes.withUnsafeBufferPointer({
                IPPrefix(utf8: UnsafeBufferPointer(rebasing: $0[prefixValue.start..<prefixValue.end]))
            })
        else { return nil }
        self.prefix = prefix
        prefixLine = prefixValue.line
        maxLength = prefix.length
        guard let origins = Self.plainASNList(bytes, originsValue.start, originsValue.end) else { return nil }
        self.origins = origins
        if let v = maxLengthValue {
            guard let n = Self.plainNumber(bytes, v.start, v.end), n >= UInt64(prefix.length),
                n <= (prefix.isIPv4 ? 32 : 128)
            else { return nil }
            maxLength = UInt8(n)
        }
        if let v = groupValue {
            guard let text = FastYAML.scalar(bytes, v.start, v.end) else { return nil }
            group = text
        }
        if let v = descriptionValue {
            guard let text = FastYAML.scalar(bytes, v.start, v.end) else { return nil }
            description = text
        }
    }

    /// The entry as `parsePrefixEntry` makes it; `line` is the line of its `- `.
    func registered(line: Int) -> RegisteredPrefix {
        RegisteredPrefix(prefix: prefix, origins: origins.sorted(), maxLength: maxLength, upstreams: nil, group: group,
                         description: description, partner: nil, maxPathLength: nil, line: line)
    }

    private enum Key { case prefix, origins, maxLength, group, description, other }

    private static func key(_ b: [UInt8], _ start: Int, _ end: Int) -> Key {
        switch end - start {
        case 5 where matches(b, start, "group"): .group
        case 6 where matches(b, start, "prefix"): .prefix
        case 7 where matches(b, start, "origins"): .origins
        case 9 where matches(b, start, "maxLength"): .maxLength
        case 11 where matches(b, start, "description"): .description
        default: .other
        }
    }

    private static func matches(_ b: [UInt8], _ start: Int, _ word: StaticString) -> Bool {
        word.withUTF8Buffer { w in w.indices.allSatisfy { b[start + $0] == w[$0] } }
    }

    /// 1 to 10 decimal digits filling `b[start..<end]`.
    private static func plainNumber(_ b: [UInt8], _ start: Int, _ end: Int) -> UInt64? {
        b.withUnsafeBufferPointer { all in
            let digits = UnsafeBufferPointer(rebasing: all[start..<end])
            var i = 0
            guard let n = DecimalDigits.read(digits, at: &i), i == digits.count else { return nil }
            return n
        }
    }

    /// `[a, b, …]` of plain decimal ASNs within 32 bits (`[]` is an empty list).
    private static func plainASNList(_ b: [UInt8], _ start: Int, _ end: Int) -> [ASN]? {
        guard end - start >= 2, b[start] == UInt8(ascii: "["), b[end - 1] == UInt8(ascii: "]") else { return nil }
        var asns: [ASN] = []
        let ok = FastYAML.forEachPart(b, start + 1, end - 1) { s, e in
            guard let n = plainNumber(b, s, e), n <= UInt64(UInt32.max) else { return false }
            asns.append(ASN(n))
            return true
        }
        return ok ? asns : nil
    }
}
