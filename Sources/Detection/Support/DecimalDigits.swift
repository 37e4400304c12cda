/// Unsigned decimal numbers as the one-pass data-set readers meet them (`FastROA`, as-rel's plain lines).
enum DecimalDigits {
    /// Reads 1 to 10 ASCII digits at `index` (all an AS number, a prefix length or a Unix time needs), moving
    /// `index` past them; `nil` when there is no digit or more than 10 (`index` is then anywhere).
    @inline(__always)
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) -> UInt64? {
        let start = index
        var value: UInt64 = 0
        while index < bytes.count, index - start < 11 {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ UInt64(digit)
            index += 1
        }
        guard index > start, index - start <= 10 else { return nil }
        return value
    }
}
