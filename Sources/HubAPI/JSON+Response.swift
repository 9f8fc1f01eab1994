import Hummingbird
import HubCore
import NIOCore

extension JSON {
    /// An HTTP response carrying this document.
    package func response(status: HTTPResponse.Status = .ok) -> Response {
        let bytes = self.serialized()
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
