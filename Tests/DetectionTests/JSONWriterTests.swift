import Alerting
import Foundation
import Testing

/// The JSON text of alert events (RFC 8259): strings escaped, everything else passed through.
@Suite("JSON writer")
struct JSONWriterTests {
    static func encoded(_ value: String) -> String {
        var w = JSONWriter()
        w.string(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test("strings: quote, backslash and control characters escaped, other text (UTF-8 too) as it is")
    func escaping() throws {
        #expect(Self.encoded("") == #""""#)
        #expect(Self.encoded("plain text 13.107.6.152/31") == #""plain text 13.107.6.152/31""#)
        #expect(Self.encoded("say \"hi\"\\") == #""say \"hi\"\\""#)
        #expect(Self.encoded("a\nb\rc\td") == #""a\nb\rc\td""#)
        #expect(Self.encoded("\u{01}x\u{1F}") == #""\u0001x\u001f""#)
        #expect(Self.encoded("\"") == #""\"""#)
        #expect(Self.encoded("AS8075 → café 🛰") == "\"AS8075 → café 🛰\"")
        // What a JSON parser reads back is the string written.
        for text in ["", "\"\\\n\u{00}\u{7F}end", "é\"é", String(repeating: "ab\"", count: 100)] {
            let json = "[" + Self.encoded(text) + "]"
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
            #expect(parsed == [text], "\(json)")
        }
    }
}
