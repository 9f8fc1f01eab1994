import Foundation

/// Who an agent stream authenticated as.
package struct AgentCredential: Sendable, Equatable {
    /// The credential's name (`commandhub agents add NAME`), or "token" / "anonymous".
    package var name: String
    /// Labels attached to the credential; merged under the agent's own labels.
    package var labels: [String: String]

    package init(name: String, labels: [String: String] = [:]) {
        self.name = name
        self.labels = labels
    }
}

/// Checks the bearer token an agent presents before any of its messages is read.
package protocol AgentAuthenticator: Sendable {
    /// The credential for `token`, or `HubError.unauthenticated`. `token` is nil when the call
    /// carried no `authorization: Bearer` metadata. Called on an event loop: must not block.
    func authenticate(token: String?) throws(HubError) -> AgentCredential
}

/// Accepts a fixed set of tokens from the configuration, compared in constant time.
package struct StaticTokenAuthenticator: AgentAuthenticator {
    private let tokens: [[UInt8]]
    private let allowAnonymous: Bool

    package init(tokens: Set<String>, allowAnonymous: Bool = false) {
        self.tokens = tokens.map { Array($0.utf8) }
        self.allowAnonymous = allowAnonymous
    }

    package func authenticate(token: String?) throws(HubError) -> AgentCredential {
        guard let token, !token.isEmpty else {
            if self.allowAnonymous { return AgentCredential(name: "anonymous") }
            throw .unauthenticated("missing bearer token")
        }
        let presented = Array(token.utf8)
        if self.tokens.contains(where: { constantTimeEquals($0, presented) }) {
            return AgentCredential(name: "token")
        }
        if self.allowAnonymous { return AgentCredential(name: "anonymous") }
        throw .unauthenticated("invalid bearer token")
    }
}

/// Compares two byte strings without an early exit on the first difference.
package func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
