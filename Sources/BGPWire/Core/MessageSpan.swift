/// A byte range of one BGP message in four bytes, or none (`MessageSpan.none`). A message is at most 65,535
/// bytes (RFC 4271 §4.1, RFC 8654 §4), so its offsets fit 16 bits; `UpdateView` rejects anything longer.
struct MessageSpan: Sendable {
    static let maximumMessageLength = Int(UInt16.max)
    static let empty = MessageSpan(start: 0, end: 0)
    /// No range: the only span whose start lies after its end.
    static let none = MessageSpan(start: .max, end: 0)

    private let start: UInt16
    private let end: UInt16

    private init(start: UInt16, end: UInt16) {
        self.start = start
        self.end = end
    }

    /// `range` must lie within a message (both bounds ≤ `maximumMessageLength`).
    init(_ range: Range<Int>) {
        start = UInt16(range.lowerBound)
        end = UInt16(range.upperBound)
    }

    var range: Range<Int> { start <= end ? Int(start)..<Int(end) : 0..<0 }
    var optionalRange: Range<Int>? { start <= end ? Int(start)..<Int(end) : nil }
}
