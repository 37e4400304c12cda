/// Hex helpers for test vectors.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(after: i)
        out.append(UInt8(digits[i...j], radix: 16) ?? 0)
        i = digits.index(after: j)
    }
    return out
}

let marker = String(repeating: "ff", count: 16)
