/// A byte range of one BGP message in four bytes, or none (`MessageSpan.none`). A message is at most 65,535
/// bytes (RFC 4271 §4.1, RFC 8654 §4), so its offsets fit 16 bits; `UpdateView` rejects anything longer.
/// (`@usableFromInline` with inlinable members, like `UpdateView`'s accessors that read it: called across the
/// module boundary, the view's span defaults and range getters were 29 M instructions of a benchmark replay.)
@usableFromInline
struct MessageSpan: Sendable {
    @usableFromInline static let maximumMessageLength = Int(UInt16.max)
    @inlinable static var empty: MessageSpan { MessageSpan(start: 0, end: 0) }
    /// No range: the only span whose start lies after its end.
    @inlinable static var none: MessageSpan { MessageSpan(start: .max, end: 0) }

    @usableFromInline let start: UInt16
    @usableFromInline let end: UInt16

    @inlinable init(start: UInt16, end: UInt16) {
        self.start = start
        self.end = end
    }

    /// `range` must lie within a message (both bounds ≤ `maximumMessageLength`).
    @inlinable init(_ range: Range<Int>) {
        start = UInt16(range.lowerBound)
        end = UInt16(range.upperBound)
    }

    @inlinable var range: Range<Int> { start <= end ? Int(start)..<Int(end) : 0..<0 }
    @inlinable var optionalRange: Range<Int>? { start <= end ? Int(start)..<Int(end) : nil }
}
