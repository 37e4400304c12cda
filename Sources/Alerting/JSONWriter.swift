/// Appends JSON text to a byte buffer with a fixed key order (so output is byte-identical across runs)
/// and without Foundation. Callers write keys and values in order; commas are handled here.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    public mutating func beginObject() {
        comma()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        comma()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    public mutating func key(_ name: StaticString) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    public mutating func dynamicKey(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        var text = value
        text.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// RFC 8259 §7: appends `utf8` with `"`, `\` and control characters escaped; the runs between them are
    /// appended whole (byte by byte, an alert's text took a capacity check per byte).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for (i, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            default: bytes.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, JSONWriter.hexDigit(b >> 4), JSONWriter.hexDigit(b & 0xF)])
            }
            runStart = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    public mutating func int<T: BinaryInteger>(_ value: T) {
        comma()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Inserts an already-encoded JSON value (e.g. a stored alert event).
    public mutating func raw(_ json: [UInt8]) {
        comma()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// `{ … }` around `body`.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }

    /// `[ … ]` around `body`.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        beginArray()
        body(&self)
        endArray()
    }

    public mutating func bool(_ value: Bool) {
        comma()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        comma()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Lower-case hex of raw bytes, as a JSON string.
    public mutating func hex(_ raw: some Sequence<UInt8>) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        for b in raw {
            bytes.append(JSONWriter.hexDigit(b >> 4))
            bytes.append(JSONWriter.hexDigit(b & 0xF))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func newline() {
        bytes.append(0x0A)
        needsComma = false
    }

    private mutating func comma() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
}

extension JSONWriter {
    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    public mutating func field<T: BinaryInteger>(_ name: StaticString, _ value: T) {
        key(name)
        int(value)
    }

    public mutating func optionalField<T: BinaryInteger>(_ name: StaticString, _ value: T?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func stringArray(_ name: StaticString, _ values: some Sequence<String>) {
        key(name)
        beginArray()
        for v in values { string(v) }
        endArray()
    }
}
