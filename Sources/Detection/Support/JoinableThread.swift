import Dispatch
import Foundation

/// A function running on a thread of its own; `join()` waits for it and returns its result. Start-up loads
/// use it rather than the Dispatch pool: the pool runs as many threads as there are cores, so on a 2-core
/// machine a third task queued behind two loaders waits for one of them to finish — and a loader that waits
/// for that third task (the second half of the ROA array) would then run sequentially after all.
public final class JoinableThread<Success, Failure: Error>: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var result: Result<Success, Failure>?

    public init(_ body: @escaping @Sendable () throws(Failure) -> Success) {
        let thread = Thread { [self] in
            do throws(Failure) { result = .success(try body()) } catch { result = .failure(error) }
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The function's result, once it has returned; later calls return it at once, from any thread.
    @discardableResult
    public func join() -> Result<Success, Failure> {
        finished.wait()
        finished.signal()  // the next caller, on this thread or another, passes too
        // Set before `finished` was first signalled, which `wait()` ordered before this read.
        guard let result else { preconditionFailure("JoinableThread finished without a result") }
        return result
    }
}
