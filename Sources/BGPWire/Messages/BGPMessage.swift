/// One decoded BGP message (RFC 4271 §4), owning its values.
public enum BGPMessage: Sendable, Hashable {
    case open(OpenMessage)
    case update(UpdateMessage)
    case notification(NotificationMessage)
    case keepalive
    case routeRefresh(RouteRefreshMessage)

    public var type: MessageType {
        switch self {
        case .open: .open
        case .update: .update
        case .notification: .notification
        case .keepalive: .keepalive
        case .routeRefresh: .routeRefresh
        }
    }

    /// Decodes one whole message (header included, exactly `header.length` bytes).
    /// UPDATE bodies never throw: their problems are RFC 7606 outcomes in `UpdateMessage.errors`.
    public init(_ bytes: UnsafeRawBufferPointer, context: DecodingContext = DecodingContext()) throws(WireError) {
        let header = try MessageHeader(bytes, extendedMessages: context.extendedMessages)
        guard header.length == bytes.count else {
            throw WireError(.badLength, at: 16, "header says \(header.length) bytes, \(bytes.count) given")
        }
        var body = WireReader(bytes, base: 0)
        _ = body.skip(MessageHeader.length)
        switch header.type {
        case .open: self = .open(try OpenMessage(body: &body))
        case .update: self = .update(UpdateMessage(UpdateView(bytes, context: context)))
        case .notification: self = .notification(try NotificationMessage(body: &body))
        case .keepalive: self = .keepalive
        case .routeRefresh: self = .routeRefresh(try RouteRefreshMessage(body: &body))
        }
    }

    /// Decodes a message that a framer already delimited and checked (marker, length, type): the length
    /// limit is not checked again, since a mid-session capture may carry RFC 8654 extended messages.
    public init(framed bytes: UnsafeRawBufferPointer, context: DecodingContext) throws(WireError) {
        guard bytes.count >= MessageHeader.length, let type = MessageType(rawValue: bytes[18]) else {
            throw WireError(.truncated, at: 0, "not a framed message")
        }
        var body = WireReader(bytes, base: 0)
        _ = body.skip(MessageHeader.length)
        switch type {
        case .open: self = .open(try OpenMessage(body: &body))
        case .update: self = .update(UpdateMessage(UpdateView(bytes, context: context)))
        case .notification: self = .notification(try NotificationMessage(body: &body))
        case .keepalive:
            guard body.isEmpty else { throw WireError(.badLength, at: 16, "KEEPALIVE with a body") }
            self = .keepalive
        case .routeRefresh: self = .routeRefresh(try RouteRefreshMessage(body: &body))
        }
    }

    /// Convenience for owned bytes.
    public init(bytes: [UInt8], context: DecodingContext = DecodingContext()) throws(WireError) {
        let result: Result<BGPMessage, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) { return .success(try BGPMessage(raw, context: context)) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}
