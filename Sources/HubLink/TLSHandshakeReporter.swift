import HubCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Logs how an agent connection's TLS handshake ended, right behind the `NIOSSLServerHandler`:
/// a refusal (no client certificate, one from an untrusted CA, plaintext on the TLS port) at
/// `notice` with the peer's address and the reason, a success at `debug` with the verified
/// client certificate's subject when mutual TLS is on. It passes every event and error on.
///
/// Runs on the connection's event loop; its only state is whether the handshake is still going.
package final class TLSHandshakeReporter: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer

    private let logger: Logger
    private var handshaking = true

    package init(logger: Logger) {
        self.logger = logger
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            self.handshaking = false
            var metadata: Logger.Metadata = ["peer": "\(Self.peer(context))", "alpn": "\(negotiated ?? "none")"]
            if let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate() {
                metadata["client_certificate"] = "\(certificate)"
            }
            self.logger.debug("agent TLS handshake completed", metadata: metadata)
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.handshaking {
            self.handshaking = false  // one line per connection: NIOSSL may report more than one error
            self.logger.notice("agent TLS handshake refused", metadata: ["peer": "\(Self.peer(context))", "error": "\(error)"])
        }
        context.fireErrorCaught(error)
    }

    private static func peer(_ context: ChannelHandlerContext) -> String {
        context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
    }
}
