#if canImport(Glibc)
import Glibc
#endif

/// Scheduling priority of the calling thread (on Linux the nice value is per thread).
enum ThreadPriority {
    /// Lowers the calling thread's priority by `steps` nice levels; threads it starts afterwards inherit it.
    ///
    /// `replay` calls it on the capture thread (the parse thread it starts inherits it): detection cannot start
    /// before the registry and data sets are loaded, and on a machine with fewer cores than busy threads (two, on
    /// the benchmark VM: capture, parse, loaders, then the engine and the RFC 6811 counter) the capture side,
    /// which would only fill the engine's queue sooner, otherwise took its full share from the loaders and then
    /// from the engine. Measured: replay with data sets 0.400 → 0.390 s and 0.385 → 0.380 s by medians of two
    /// series of 12–14 interleaved runs; the plain replay -4.5% CPU (31 pairs). Only ever lowers (raising needs
    /// privileges); failure changes nothing.
    static func lowerCurrentThread(by steps: Int32) {
        #if canImport(Glibc)
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)  // 0: the calling thread
        guard errno == 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(current + steps, 19))
        #endif
    }
}
