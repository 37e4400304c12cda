import Foundation
import NIOConcurrencyHelpers
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// Reads every configured source on its own thread and feeds the pipeline. Live interfaces that fail to open
/// or stop delivering (interface deleted, driver error) are reopened every `retrySeconds`, with the error in
/// `/healthz` and the logs; files are read once, then `filesDone` fires.
public final class CaptureService: @unchecked Sendable {
    public struct SourceStatus: Sendable {
        public var name: String
        public var live: Bool
        public var running = false
        public var finished = false
        public var frames = 0
        public var kernelReceived: UInt64 = 0
        public var kernelDropped: UInt64 = 0
        public var interfaceDropped: UInt64 = 0
        public var openFailures = 0
        public var lastError: String?
    }

    private let pipeline: Pipeline
    private let interfaces: [InterfaceSource]
    private let files: [String]
    private let status: NIOLockedValueBox<[SourceStatus]>
    private let handles = NIOLockedValueBox<[Int: PcapSource]>([:])
    private let stopping = NIOLockedValueBox(false)
    private let threadsDone = NIOLockedValueBox(0)
    private var threads: [Thread] = []
    public static let retrySeconds = 5.0

    public init(pipeline: Pipeline, interfaces: [InterfaceSource], files: [String]) {
        self.pipeline = pipeline
        self.interfaces = interfaces
        self.files = files
        status = NIOLockedValueBox(interfaces.map { SourceStatus(name: $0.name, live: true) } + files.map { SourceStatus(name: $0, live: false) })
    }

    public var sources: [SourceStatus] { status.withLockedValue { $0 } }
    public var hasLiveSources: Bool { !interfaces.isEmpty }

    /// Opens every live interface once, synchronously, so that startup errors (no such device, no
    /// CAP_NET_RAW) are reported before READY=1 and before privileges are dropped. Returns the errors.
    public func openInterfaces() -> [String] {
        var errors: [String] = []
        for (i, iface) in interfaces.enumerated() {
            do {
                let h = try PcapSource.openLive(interface: iface.name, options: iface.liveOptions)
                handles.withLockedValue { $0[i] = h }
            } catch {
                errors.append("\(error)")
                update(i) {
                    $0.openFailures += 1
                    $0.lastError = "\(error)"
                }
            }
        }
        return errors
    }

    /// Starts the capture threads. `allFilesDone` is called once every file source has been read.
    public func start(allFilesDone: @escaping @Sendable () -> Void) {
        for (i, iface) in interfaces.enumerated() {
            let t = Thread { [self] in
                liveLoop(i, iface)
                threadsDone.withLockedValue { $0 += 1 }
            }
            t.name = "capture-\(iface.name)"
            threads.append(t)
        }
        let offset = interfaces.count
        let fileThread = Thread { [self] in
            for (j, file) in files.enumerated() where !isStopping { readFile(offset + j, file) }
            threadsDone.withLockedValue { $0 += 1 }
            allFilesDone()
        }
        fileThread.name = "capture-files"
        threads.append(fileThread)
        for t in threads { t.start() }
    }

    private var isStopping: Bool { stopping.withLockedValue { $0 } }

    /// Stops every source (breaks blocking reads) and waits for the threads, at most `timeout` seconds.
    public func stop(timeout: Double = 5) {
        stopping.withLockedValue { $0 = true }
        handles.withLockedValue { for h in $0.values { h.breakLoop() } }
        let deadline = Date().addingTimeInterval(timeout)
        while threadsDone.withLockedValue({ $0 }) < threads.count, Date() < deadline { usleep(10_000) }
    }

    private func update(_ i: Int, _ change: (inout SourceStatus) -> Void) {
        status.withLockedValue { change(&$0[i]) }
    }

    private func readFile(_ i: Int, _ path: String) {
        update(i) { $0.running = true }
        defer { update(i) { $0.running = false; $0.finished = true } }
        let source: PcapSource
        do {
            source = try PcapSource.openOffline(path)
        } catch {
            DaemonLog.logger.error("\(error)")
            update(i) { $0.lastError = "\(error)"; $0.openFailures += 1 }
            return
        }
        handles.withLockedValue { $0[i] = source }
        defer { _ = handles.withLockedValue { $0.removeValue(forKey: i) } }
        let linkType = source.linkType
        var frames = 0
        do {
            while !isStopping, case .frame = try source.next({ frame in
                pipeline.process(frame, linkType: linkType, source: path, live: false)
            }) {
                frames += 1
                if frames & 4095 == 0 { update(i) { $0.frames = frames } }
            }
        } catch {
            DaemonLog.logger.error("\(error)")
            update(i) { $0.lastError = "\(error)" }
        }
        update(i) { $0.frames = frames }
        pipeline.finishSource()
        DaemonLog.logger.info("capture file \(path): \(frames) frames read")
    }

    private func liveLoop(_ i: Int, _ iface: InterfaceSource) {
        var frames = 0
        while !isStopping {
            var handle = handles.withLockedValue { $0[i] }
            if handle == nil {
                do {
                    handle = try PcapSource.openLive(interface: iface.name, options: iface.liveOptions)
                    handles.withLockedValue { $0[i] = handle }
                    DaemonLog.logger.notice("capturing on \(iface.name) again")
                } catch {
                    update(i) { $0.openFailures += 1; $0.lastError = "\(error)"; $0.running = false }
                    sleepUnlessStopping(Self.retrySeconds)
                    continue
                }
            }
            guard let source = handle else { continue }
            update(i) { $0.running = true; $0.lastError = nil }
            DaemonLog.logger.info("capturing on \(iface.name) (filter '\(iface.filter)')")
            let linkType = source.linkType
            var lastStats = Date()
            do {
                while !isStopping {
                    let r = try source.next { frame in pipeline.process(frame, linkType: linkType, source: iface.name, live: true) }
                    if case .frame = r { frames += 1 }
                    if case .endOfFile = r { break }
                    if Date().timeIntervalSince(lastStats) >= 1 {
                        lastStats = Date()
                        record(i, source, frames)
                    }
                }
                record(i, source, frames)
            } catch {
                DaemonLog.logger.error("\(error); reopening \(iface.name) in \(Self.retrySeconds) s")
                update(i) { $0.lastError = "\(error)"; $0.running = false }
                _ = handles.withLockedValue { $0.removeValue(forKey: i) }
                sleepUnlessStopping(Self.retrySeconds)
            }
        }
        update(i) { $0.running = false }
    }

    private func record(_ i: Int, _ source: PcapSource, _ frames: Int) {
        let k = source.statistics()
        update(i) { s in
            s.frames = frames
            if let k {
                s.kernelReceived = UInt64(k.received)
                s.kernelDropped = UInt64(k.dropped)
                s.interfaceDropped = UInt64(k.interfaceDropped)
            }
        }
    }

    private func sleepUnlessStopping(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while !isStopping, Date() < deadline { usleep(50_000) }
    }
}
