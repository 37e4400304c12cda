import BGPWire

/// Everything counted while turning frames into BGP messages; printed in summaries, exported as metrics.
public struct CaptureStatistics: Sendable {
    public var frames = 0
    public var bytes = 0
    /// Frames per link type name (`ether`, `linux-sll`, …), including ones we could not decode.
    public var linkTypes: [String: Int] = [:]
    public var unsupportedLinkFrames = 0
    public var nonIPFrames = 0
    public var ipFragments = 0
    public var nonTCPPackets = 0
    public var malformedPackets = 0
    /// TCP segments on no configured BGP port.
    public var otherPortSegments = 0
    public var bgpSegments = 0
    public var messages = [Int](repeating: 0, count: 6)
    public var flowsOpened = 0
    public var flowsEvicted = 0
    public var flowsTimedOut = 0
    /// Sessions left out of `CaptureDecoder.sessions` because it was full.
    public var sessionsNotListed = 0
    public var reassembly = ReassemblyCounters()

    public init() {}

    public func messageCount(_ type: MessageType) -> Int { messages[Int(type.rawValue)] }
    public var totalMessages: Int { messages.reduce(0, +) }
}
