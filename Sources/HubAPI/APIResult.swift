import HubCore
import Hummingbird

/// A REST answer before it becomes a `Response`: status and JSON body, and whether the request
/// reached any agent (which decides whether an `Idempotency-Key` keeps it or is released).
package struct APIResult: Sendable {
    package var status: HTTPResponse.Status
    package var body: JSON
    /// True once any command of the request was put on an agent's stream.
    package var delivered: Bool

    package init(status: HTTPResponse.Status = .ok, body: JSON, delivered: Bool) {
        self.status = status
        self.body = body
        self.delivered = delivered
    }

    package init(error: HubError, delivered: Bool) {
        self.init(status: error.status, body: error.body, delivered: delivered)
    }

    package var response: Response { self.body.response(status: self.status) }
}
