import Dispatch
import Foundation

/// RFC 6811 outcomes of every announced prefix, counted off the detection thread.
///
/// Only counters depend on the validity of a prefix outside the watched set (alerts for watched prefixes come
/// from the `rpki-invalid` detector), so the engine hands the announced prefixes over in batches and a
/// background queue validates them while detection goes on — on two cores the table lookups no longer add to
/// the replay's time. Sums do not depend on order: results are the same as
/// validating in line. At most `maximumBatchesInFlight` batches wait (bounded memory; the engine blocks when
/// the validator falls behind), and `settle()` waits for all of them. The data set may still be loading
/// (`init(loading:)`, replay): the batches then wait on the queue until it is there.
final class OriginValidationCounter: @unchecked Sendable {
    struct Totals: Sendable {
        var valid = 0
        var invalid = 0
        var notFound = 0
    }

    /// Prefixes validated together: `RPKIData.countValidity` walks its tables in address order, and the more
    /// prefixes a batch has, the closer that walk comes to one sequential pass (a batch is about 6 MB; batches
    /// of 65,536, a quarter of the size, walked the tables four times as often for 3 % more of a replay's CPU).
    static let batchSize = 262_144
    static let maximumBatchesInFlight = 2
    /// While the data set loads (`init(loading:)`): 3 batches (18 MB) let a replay read on for a while.
    static let maximumBatchesWhileLoading = 3

    private let queue = DispatchQueue(label: "bgpsentry.origin-validation")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    /// Guarded by `lock`: what the queue has counted so far.
    private var counted = Totals()
    /// Prefixes not handed over yet; the caller's thread only.
    private var batch: [RPKIData.ValidationQuery] = []
    /// The data set batches are validated against; read and written on `queue` only, so that a batch is
    /// validated against the data set that was current when it was handed over.
    private var dataSet: RPKIData?

    /// Whether there is a data set to validate against (`add` is pointless otherwise). A stored flag: testing
    /// the optional data set per UPDATE would copy it (a retain and release of each of its tables).
    private(set) var isValidating: Bool

    init(rpki: RPKIData?) {
        dataSet = rpki
        isValidating = rpki != nil
        slots = DispatchSemaphore(value: Self.maximumBatchesInFlight)
        if isValidating { batch.reserveCapacity(Self.batchSize) }  // an engine without RPKI payloads never adds
    }

    /// Validates against a data set that is still loading: `load` runs first on the queue, and the batches
    /// handed over meanwhile wait behind it. When it returns `nil` (the load failed) they are not counted.
    init(loading load: @escaping @Sendable () -> RPKIData?) {
        isValidating = true
        slots = DispatchSemaphore(value: Self.maximumBatchesWhileLoading)
        batch.reserveCapacity(Self.batchSize)
        queue.async { [self] in dataSet = load() }
    }

    /// Queues one announced prefix for validation against the current data set.
    @inline(__always)
    func add(_ query: RPKIData.ValidationQuery) {
        batch.append(query)
        if batch.count == Self.batchSize { submit() }
    }

    /// Validates what waits against the current data set, then uses `new` for what comes after (SIGHUP).
    func replaceDataSet(_ new: RPKIData?) {
        submit()
        queue.async { [self] in dataSet = new }
        isValidating = new != nil
    }

    /// Hands the waiting prefixes to the queue.
    private func submit() {
        guard !batch.isEmpty, isValidating else {
            batch.removeAll(keepingCapacity: true)
            return
        }
        let work = batch
        batch = []
        batch.reserveCapacity(Self.batchSize)
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard let rpki = dataSet else { return }
            let outcome = work.withUnsafeBufferPointer { rpki.countValidity($0) }
            lock.withLock {
                counted.valid += outcome.valid
                counted.invalid += outcome.invalid
                counted.notFound += outcome.notFound
            }
        }
    }

    /// Every prefix handed over so far, validated: submits what waits and waits for the queue.
    func settle() -> Totals {
        submit()
        queue.sync {}
        return lock.withLock { counted }
    }
}
