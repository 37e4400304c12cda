#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the one-shot commands (`replay`, `decode`) end once their output is written and their threads joined:
/// the process exits where it is, without releasing its tables one object at a time — the kernel takes the
/// whole address space back at once anyway (compilers skip their frees at exit for the same reason). Returning
/// from `run()` instead destroyed the watched RIB, the registry's tries, the flows and the batches: a tenth of a
/// benchmark replay's wall time, on the thread that ends it (replay 0.949 by the median of 20 interleaved pairs).
/// Standard output and error must be flushed before (C stdio buffers are flushed by `exit`, ours are not).
enum OneShotExit {
    static func now(status: Int32 = 0) -> Never {
        exit(status)
    }
}
