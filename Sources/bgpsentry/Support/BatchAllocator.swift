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

    static func configure() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }  // nil: RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(mmapThreshold, 32 << 20)  // glibc's maximum for this setting on 64-bit
        _ = mallopt(topPad, 64 << 20)
        _ = mallopt(trimThreshold, Int32.max)
        #endif
    }
}
