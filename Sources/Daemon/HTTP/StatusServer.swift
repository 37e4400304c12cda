import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP endpoint (`/metrics`, `/healthz`, `/alerts`) on SwiftNIO. GET only; responses are small and
/// built synchronously by `route`. With a bearer token configured, every request must carry it.
public final class StatusServer: Sendable {
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var contentType: String
        public var body: [UInt8]

        public init(status: HTTPResponseStatus = .ok, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public typealias Route = @Sendable (_ path: String) -> Response

    private let route: Route
    private let token: String?

    public init(token: String?, route: @escaping Route) {
        self.route = route
        self.token = token
    }

    /// Binds and starts serving; returns the channel (its local address tells the port when 0 was asked).
    public func start(host: String, port: Int) async throws(DaemonError) -> Channel {
        let route = self.route
        let token = self.token
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(route: route, token: token))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            return try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw DaemonError.http("cannot listen on \(host):\(port): \(error)")
        }
    }
}

/// One HTTP/1.1 connection: answers each request head with the route's response.
final class StatusHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: StatusServer.Route
    private let token: String?
    private var head: HTTPRequestHead?

    init(route: @escaping StatusServer.Route, token: String?) {
        self.route = route
        self.token = token
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
        case .body:
            break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(context: context, request: h)
        }
    }

    private func respond(context: ChannelHandlerContext, request: HTTPRequestHead) {
        var response: StatusServer.Response
        let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "/")
        if let token, !SecretFile.equal(Array((request.headers["Authorization"].first ?? "").utf8), Array("Bearer \(token)".utf8)) {
            response = .init(status: .unauthorized, contentType: "text/plain", body: Array("bearer token required\n".utf8))
        } else if request.method != .GET && request.method != .HEAD {
            response = .init(status: .methodNotAllowed, contentType: "text/plain", body: Array("GET only\n".utf8))
        } else {
            response = route(path)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in ctx.value.close(promise: nil) }
        }
    }
}
