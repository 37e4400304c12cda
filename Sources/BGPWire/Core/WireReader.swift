/// A bounds-checked, forward-only reader over borrowed bytes (network byte order).
///
/// Every read returns `nil` or throws instead of reading past the end, and only advances on success
/// (the shape of SwiftNIO's `ByteBuffer.readInteger`). The reader never copies: sub-readers share the
/// same memory and remember their absolute `base` so errors can point at the offending byte.
/// A reader is only valid inside the closure that lent its bytes; it must not escape it.
public struct WireReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Offset of `bytes[0]` in the enclosing message, for error positions.
    public let base: Int
    /// Index of the next unread byte in `bytes`.
    @usableFromInline var index: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, base: Int = 0) {
        self.bytes = bytes
        self.base = base
        self.index = 0
    }

    /// Bytes not yet read.
    @inlinable public var remaining: Int { bytes.count - index }
    @inlinable public var isEmpty: Bool { index >= bytes.count }
    /// Absolute offset (in the enclosing message) of the next unread byte.
    @inlinable public var position: Int { base + index }

    @inlinable
    public mutating func readUInt8() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    @inlinable
    public mutating func readUInt16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    @inlinable
    public mutating func readUInt24() -> UInt32? {
        guard remaining >= 3 else { return nil }
        defer { index += 3 }
        return UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
    }

    @inlinable
    public mutating func readUInt32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { index += 4 }
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
    }

    @inlinable
    public mutating func readUInt64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { index += 8 }
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
    }

    /// Reads the next `count` bytes as a sub-reader; `nil` (and no advance) when fewer remain.
    @inlinable
    public mutating func readSlice(_ count: Int) -> WireReader? {
        guard count >= 0, remaining >= count else { return nil }
        let start = index
        index += count
        return WireReader(UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]), base: base + start)
    }

    /// Skips `count` bytes; `false` (and no advance) when fewer remain.
    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        index += count
        return true
    }

    /// Peeks at the byte `offset` positions ahead without advancing.
    @inlinable
    public func peekUInt8(at offset: Int = 0) -> UInt8? {
        let i = index + offset
        guard offset >= 0, i < bytes.count else { return nil }
        return bytes[i]
    }

    /// The unread bytes, still borrowed.
    @inlinable public var unreadBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[index...])
    }

    /// Copies the next `count` bytes into an array (for values the model must own).
    @inlinable
    public mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { index += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[index..<index + count]))
    }

    /// Copies all unread bytes and ends the reader.
    @inlinable
    public mutating func readRemainingBytes() -> [UInt8] {
        defer { index = bytes.count }
        return Array(unreadBytes)
    }
}
