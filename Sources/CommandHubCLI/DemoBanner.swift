import CryptoAgent
import Foundation

/// What the demo prints once at start-up: where things are, the operator login and the agent
/// token (the only time they are shown), and curl commands to try.
enum DemoBanner {
    /// The demo's operator account and a bearer token for it.
    struct Login {
        let name: String
        let password: String
        let token: String
    }

    static func text(httpPort: Int, grpcPort: Int, agents: [Agent], externalToken: String, login: Login, dataDir: String) -> String {
        let root = "http://127.0.0.1:\(httpPort)"
        let base = "\(root)/api/crypto/commands"
        let first = agents.first?.agentID.uuidString.lowercased() ?? "CLIENT_ID"
        let auth = #"-H "Authorization: Bearer $TOKEN""#
        return """

            CommandHub demo: REST on 127.0.0.1:\(httpPort), gRPC AgentLink on 127.0.0.1:\(grpcPort), \(agents.count) paper agents.
            Console: \(root)/ui/ (log in as \(login.name) with the password below); API reference: \(root)/docs
            State: \(dataDir)/commandhub.sqlite (hub) and \(dataDir)/agent-NNN.sqlite (agents).
            Agents: \(agents.map { "\($0.configuration.name)=\($0.agentID.uuidString.lowercased())" }.joined(separator: " "))
            Operator \(login.name) (role admin), password (shown once): \(login.password)
            Token for an agent you start yourself (credential demo-external, shown once):
              \(externalToken)

            A bearer token for \(login.name), valid 12 hours (or POST \(root)/api/auth/token with the password):
              export TOKEN=\(login.token)

            Try:
              curl -s \(auth) \(base)/
              curl -s \(auth) \(base)/\(first)/
              curl -s \(auth) -X POST \(base)/\(first)/ping/
              curl -s \(auth) -X POST \(base)/\(first)/pause/
              curl -s \(auth) -X POST "\(base)/\(first)/request_status/?include_stats=true"
              curl -s \(auth) -X POST \(base)/\(first)/resume/
              curl -s \(auth) -X POST "\(base)/\(first)/sync_wallets/?symbols=BTC,ETH,USDT"
              curl -s \(auth) -X POST \(base)/pause_all/
              curl -s \(auth) -X POST "\(base)/resume_all/?selector=venue=binance"
              curl -s \(auth) -X POST "\(base)/sync_all/?symbols=BTC"
              curl -s \(auth) -X POST \(base)/\(first)/sell/ -d '{"asset": "BTC", "quantity": "0.25", "preview": true}'
              curl -s \(auth) -X POST \(base)/\(first)/sell/ -H 'Idempotency-Key: demo-sell-1' -d '{"asset": "BTC", "quantity": "0.25", "preview": false}'
              curl -s \(auth) \(base)/\(first)/wallets/
              curl -s \(auth) "\(root)/api/crypto/history/?limit=5"

            """
    }
}
