import Glibc

/// Transparent huge pages for the large lookup tables that every announced prefix probes (the RPKI /16
/// buckets, the registry's /24 bitmap, the VRP trie). Their lookups land on random addresses megabytes
/// apart; with 4 KiB pages nearly each one is also a TLB miss, which on a virtual machine costs a
/// two-level page walk. Backed by 2 MiB pages (Debian's default THP mode is `madvise`: only memory that
/// asks gets them) those walks mostly disappear: RFC 6811 validation of a full table ran about 20% faster.
///
/// Advice only: when the kernel has THP disabled or the range holds no whole huge page, nothing changes.
enum HugePages {
    static let size = 2 << 20

    /// Advises the kernel to back the whole 2 MiB pages inside `[base, base + byteCount)` with huge pages.
    /// Must run before the memory is first written, or the small pages already there stay.
    static func advise(_ base: UnsafeRawPointer?, byteCount: Int) {
        guard let base, byteCount >= size else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + byteCount) & ~(size - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
    }

    /// An array of `count` copies of `value`, its storage advised before it is filled.
    static func array<T: BitwiseCopyable>(repeating value: T, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeRawPointer(buffer.baseAddress), byteCount: count * MemoryLayout<T>.stride)
            buffer.initialize(repeating: value)
            initialized = count
        }
    }
}
