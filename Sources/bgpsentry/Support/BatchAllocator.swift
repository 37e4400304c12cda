#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for the one-shot commands (`replay`, `decode`, `check-config`), which build their
/// tables once and exit: fresh pages are what they pay for most on a virtual machine (a first touch costs some
/// ten times a second one), and glibc's defaults keep handing out fresh ones — blocks over its adaptive mmap
/// threshold are unmapped when freed (a growing array's every reallocation faults its new pages in again),
/// and the heaps of the loader and engine threads grow by `mprotect` calls 128 KiB at a time, each taking the
/// address-space lock that every page fault of every thread also needs. Here blocks up to 32 MiB come from the
/// heaps and are reused, heaps grow 64 MiB at a time (address space; pages are still touched only when used),
/// and freed memory is not trimmed back. Measured on the benchmark replay with data sets: 5–10 % less CPU.
/// The daemon (`run`) keeps the defaults: it lives on after a reload's peak and should give memory back.
enum BatchAllocator {
    /// `mallopt` parameters (glibc `malloc.h`, not in Swift's Glibc module).
    private static let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3

    /// `hugePageHeap`: also `reserveHugePageHeap()`.
    static func configure(hugePageHeap: Bool = false) {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }  // nil: RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(mmapThreshold, 32 << 20)  // glibc's maximum for this setting on 64-bit
        _ = mallopt(topPad, 64 << 20)
        _ = mallopt(trimThreshold, Int32.max)
        if hugePageHeap { reserveHugePageHeap() }
        #endif
    }

    /// Grows the calling thread's heap — glibc's main heap, when called from the main thread before any other
    /// allocates — by `bytes` of address space (blocks just under the mmap threshold, taken and freed: with
    /// nothing trimmed the heap keeps them; only their headers' pages are touched) and asks the kernel for
    /// transparent huge pages there (`MADV_HUGEPAGE`; the systems' default "madvise" mode honours it). replay's
    /// capture thread fills its read-ahead batches from that heap: 16 MiB while the registry loads, about a third
    /// of all page faults of a run, now a handful of 2 MiB faults (replay 5 % faster in interleaved pairs; with
    /// every thread's heap on huge pages, or all threads on this heap, no faster). Only the part past the old
    /// end, from the next 2 MiB boundary, is marked. When the heap cannot grow in place nothing is marked.
    private static func reserveHugePageHeap(bytes: Int = 192 << 20) {
        #if canImport(Glibc)
        let hugePage = UInt(2 << 20)
        let before = UInt(bitPattern: sbrk(0))
        let block = 31 << 20
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(bytes / block + 1)
        for _ in 0..<(bytes / block) {
            guard let p = malloc(block) else { break }
            blocks.append(p)
        }
        blocks.forEach { free($0) }
        let after = UInt(bitPattern: sbrk(0))
        let start = (before + hugePage - 1) & ~(hugePage - 1)
        guard before != UInt(bitPattern: -1), after > start, let region = UnsafeMutableRawPointer(bitPattern: start)
        else { return }
        _ = madvise(region, Int(after - start), MADV_HUGEPAGE)
        #endif
    }
}
