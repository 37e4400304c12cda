import Dispatch
import Foundation

/// A function running on a thread of its own, joined with `wait()`. Start-up loads use it rather than the
/// Dispatch pool: the pool runs as many threads as there are cores, so on a 2-core machine a third task
/// queued behind two loaders waits for one of them to finish — and a loader that waits for that third task
/// (the second half of the ROA array) would then run sequentially after all.
public final class JoinableThread: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var joined = false

    public init(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [finished] in
            body()
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Returns when the function has returned; later calls return at once. Call from one thread.
    public func wait() {
        guard !joined else { return }
        finished.wait()
        joined = true
    }
}
