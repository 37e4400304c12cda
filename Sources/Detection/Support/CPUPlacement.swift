#if canImport(Glibc)
import Glibc
#endif

/// Where `replay`'s threads run when the process may use exactly two CPUs (the benchmark VM, a small appliance).
///
/// The parse thread is a replay's longest chain of work: the capture thread feeds it and the engine drains it,
/// each sleeping when its queue is full or empty. Left to the scheduler, the capture thread woken by a returned
/// batch was placed on the parse thread's CPU — the waker's, while the engine held the other — and the two took
/// turns there while the other CPU idled between the engine's batches (`perf sched timehist`: ≈ 30 ms of idle
/// CPU in a ≈ 95 ms run). Pinned, the registry loader (which runs before the parse thread has anything to do)
/// and then the parse thread have one CPU, the capture thread and the engine the other. With one CPU, or three
/// or more, nothing is pinned: each busy thread can have a CPU of its own, or none can; and a replay with data
/// sets is not pinned either (its loaders and RFC 6811 counting are more threads than two sides, and pinned it
/// ran 17 % slower).
public enum CPUPlacement {
    public enum Side: Sendable {
        /// The registry loader, then the parse thread.
        case parse
        /// The capture (main) thread and the engine.
        case capture
    }

    /// The two CPUs the process may use, when exactly two (read once, at first use).
    private static let allowed: (parse: Int, capture: Int)? = readAffinity().flatMap(pair(inMask:))

    /// Whether `pinCurrentThread` pins: exactly two CPUs are allowed and the system lets the mask be read.
    public static var applies: Bool { allowed != nil }

    /// Pins the calling thread to `side`'s CPU; does nothing unless exactly two CPUs are allowed, or when the
    /// system refuses (a failure changes nothing but the placement).
    public static func pinCurrentThread(to side: Side) {
        #if canImport(Glibc)
        guard let allowed, let setAffinity else { return }
        var mask = [UInt64](repeating: 0, count: maskWords)
        let cpu = side == .parse ? allowed.parse : allowed.capture
        mask[cpu / 64] |= 1 << UInt64(cpu % 64)
        _ = mask.withUnsafeMutableBytes { setAffinity(0, $0.count, $0.baseAddress) }  // 0: the calling thread
        #endif
    }

    /// The two CPUs of an affinity mask (bit `i` of word `i / 64`: CPU `i`) when it holds exactly two — the
    /// higher for the parse side, the lower (where interrupts usually land) for the capture side — else `nil`.
    static func pair(inMask mask: [UInt64]) -> (parse: Int, capture: Int)? {
        guard mask.reduce(0, { $0 + $1.nonzeroBitCount }) == 2 else { return nil }
        var cpus: [Int] = []
        for (word, bits) in mask.enumerated() where bits != 0 {
            for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 { cpus.append(word * 64 + bit) }
        }
        return (parse: cpus[1], capture: cpus[0])
    }

    /// glibc's `cpu_set_t`: 1,024 CPUs.
    private static let maskWords = 16

    #if canImport(Glibc)
    /// `sched_getaffinity` / `sched_setaffinity` as `(tid, bytes, mask)`: glibc declares them only with
    /// `_GNU_SOURCE`, which Swift's Glibc module does not set.
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> Int32
    private static let getAffinity = dlsym(nil, "sched_getaffinity").map { unsafeBitCast($0, to: AffinityCall.self) }
    private static let setAffinity = dlsym(nil, "sched_setaffinity").map { unsafeBitCast($0, to: AffinityCall.self) }
    #endif

    /// The calling thread's affinity mask, or `nil` when it cannot be read.
    private static func readAffinity() -> [UInt64]? {
        #if canImport(Glibc)
        guard let getAffinity else { return nil }
        var mask = [UInt64](repeating: 0, count: maskWords)
        guard mask.withUnsafeMutableBytes({ getAffinity(0, $0.count, $0.baseAddress) }) == 0 else { return nil }
        return mask
        #else
        return nil
        #endif
    }
}
