import CPcap

#if canImport(Glibc)
import Glibc
#endif

/// A capture timestamp in microseconds since the Unix epoch (from the pcap record header).
public struct CaptureTime: Sendable, Hashable, Comparable {
    public var microseconds: Int64
    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// From a record header's seconds and microseconds, whatever a file claims: both are clamped into a
    /// range (year 0 … ~287,000, fractions under 1000 s) where every sum and difference of capture times
    /// stays far from Int64 overflow (a pcapng timestamp can be any 64-bit value).
    public init(seconds: Int64, microseconds fraction: Int64) {
        let s = min(max(seconds, 0), CaptureTime.maximumSeconds)
        microseconds = s * 1_000_000 + min(max(fraction, 0), 999_999_999)
    }

    static let maximumSeconds: Int64 = 9_000_000_000_000

    public static func < (a: CaptureTime, b: CaptureTime) -> Bool { a.microseconds < b.microseconds }
}

/// One captured frame, lent to a closure: its bytes are only valid while the closure runs.
public struct Frame {
    /// 1-based frame number within its source, as tshark counts.
    public var number: Int
    public var time: CaptureTime
    /// The captured bytes (`caplen`, never `len`).
    public var bytes: UnsafeRawBufferPointer
    /// The original length on the wire.
    public var wireLength: Int

    public init(number: Int, time: CaptureTime, bytes: UnsafeRawBufferPointer, wireLength: Int) {
        self.number = number
        self.time = time
        self.bytes = bytes
        self.wireLength = wireLength
    }
}

/// A libpcap handle: an offline file (pcap or pcapng), standard input, or a live interface.
/// Owns the `pcap_t` and closes it in `deinit`; frames are lent, never escape `next`.
public final class PcapSource {
    private let handle: OpaquePointer
    /// Name for messages: the path, `-` or the interface.
    public let name: String
    /// The DLT_/LINKTYPE_ value of the source (asked of libpcap each time: a live handle only knows it once
    /// activated).
    public var linkType: Int32 { pcap_datalink(handle) }
    private var frameNumber = 0
    /// The stdio buffer of the file libpcap reads (`openOffline(_:)`): freed after the handle closed the file.
    private let fileBuffer: UnsafeMutableRawPointer?

    private init(handle: OpaquePointer, name: String, fileBuffer: UnsafeMutableRawPointer? = nil) {
        self.handle = handle
        self.name = name
        self.fileBuffer = fileBuffer
    }

    deinit {
        pcap_close(handle)
        fileBuffer?.deallocate()
    }

    /// Opens a capture file, or standard input for `-`.
    public static func openOffline(_ path: String) throws(CaptureError) -> PcapSource {
        let opened = path == "-" ? fdopen(0, "rb") : fopen(path, "rb")
        guard let file = opened else {
            let reason = path == "-" ? "cannot read standard input" : "\(path): \(String(cString: strerror(errno)))"
            throw CaptureError(.openFailed, source: path, reason)
        }
        // Opened here rather than by pcap_open_offline, to give the stream a 1 MiB buffer: libpcap reads each
        // record through stdio, whose default 4 KiB buffer made 6,600 read calls of a 27 MB capture. (glibc
        // ignores the size unless it is given the buffer.)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: fileBufferBytes, alignment: 4096)
        guard setvbuf(file, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, fileBufferBytes) == 0 else {
            buffer.deallocate()
            return try openOffline(file: file, name: path)
        }
        return try openOffline(file: file, name: path, fileBuffer: buffer)
    }

    /// The stdio buffer of a capture file read by `openOffline(_:)`.
    static let fileBufferBytes = 1 << 20

    /// Reads a capture from an open stdio stream (standard input, a memory buffer); libpcap closes it.
    public static func openOffline(file: UnsafeMutablePointer<FILE>, name: String) throws(CaptureError) -> PcapSource {
        try openOffline(file: file, name: name, fileBuffer: nil)
    }

    /// `fileBuffer`: the stream's stdio buffer, which the source frees once libpcap has closed the stream.
    private static func openOffline(file: UnsafeMutablePointer<FILE>, name: String,
                                    fileBuffer: UnsafeMutableRawPointer?) throws(CaptureError) -> PcapSource {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_fopen_offline(file, &errbuf) else {
            fclose(file)
            fileBuffer?.deallocate()
            throw CaptureError(.openFailed, source: name, PcapSource.string(errbuf))
        }
        return PcapSource(handle: handle, name: name, fileBuffer: fileBuffer)
    }

    /// Live capture settings (see pcap(3PCAP)).
    public struct LiveOptions: Sendable {
        public var snapLength: Int32 = 262_144
        public var promiscuous = false
        public var immediateMode = true
        /// Kernel buffer size in bytes; `nil` keeps libpcap's default.
        public var bufferSize: Int32? = 8 << 20
        public var filter = "tcp port 179"
        /// Read timeout in milliseconds, so a quiet interface still returns to the caller.
        public var timeoutMilliseconds: Int32 = 250
        public init() {}
    }

    /// Opens a live interface with a BPF filter. Needs CAP_NET_RAW.
    public static func openLive(interface: String, options: LiveOptions = LiveOptions()) throws(CaptureError) -> PcapSource {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &errbuf) else {
            throw CaptureError(.openFailed, source: interface, PcapSource.string(errbuf))
        }
        let source = PcapSource(handle: handle, name: interface)
        pcap_set_snaplen(handle, options.snapLength)
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(handle, options.immediateMode ? 1 : 0)
        pcap_set_timeout(handle, options.timeoutMilliseconds)
        if let size = options.bufferSize { pcap_set_buffer_size(handle, size) }
        let status = pcap_activate(handle)
        guard status >= 0 else {
            throw CaptureError(.activateFailed, source: interface, source.lastError())
        }
        var program = bpf_program()
        guard pcap_compile(handle, &program, options.filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw CaptureError(.filterFailed, source: interface, "filter '\(options.filter)': \(source.lastError())")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw CaptureError(.filterFailed, source: interface, source.lastError())
        }
        return source
    }

    /// The outcome of one read.
    public enum ReadResult {
        case frame
        /// Live capture: the read timeout expired with no frame.
        case timeout
        case endOfFile
    }

    /// Reads the next frame and lends it to `body`.
    public func next(_ body: (Frame) -> Void) throws(CaptureError) -> ReadResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .timeout }
            frameNumber += 1
            let h = header.pointee
            let time = CaptureTime(seconds: Int64(h.ts.tv_sec), microseconds: Int64(h.ts.tv_usec))
            body(Frame(number: frameNumber, time: time,
                       bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)), wireLength: Int(h.len)))
            return .frame
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            return .endOfFile
        default:
            throw CaptureError(.readFailed, source: name, lastError())
        }
    }

    /// Kernel statistics for live captures: (received, dropped by kernel, dropped by interface).
    public func statistics() -> (received: UInt32, dropped: UInt32, interfaceDropped: UInt32)? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return (stats.ps_recv, stats.ps_drop, stats.ps_ifdrop)
    }

    /// Makes a blocking read return (from a signal handler or another thread).
    public func breakLoop() { pcap_breakloop(handle) }

    private func lastError() -> String {
        guard let p = pcap_geterr(handle) else { return "unknown libpcap error" }
        return String(cString: p)
    }

    private static func string(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
