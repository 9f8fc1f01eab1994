import CryptoAgent
import Foundation

/// What the demo prints once at start-up: where things are, the external agent token (the only
/// time it is shown), and curl commands to try.
enum DemoBanner {
    static func text(httpPort: Int, grpcPort: Int, agents: [Agent], externalToken: String, dataDir: String) -> String {
        let base = "http://127.0.0.1:\(httpPort)/api/crypto/commands"
        let first = agents.first?.agentID.uuidString.lowercased() ?? "CLIENT_ID"
        return """

            CommandHub demo: REST on 127.0.0.1:\(httpPort), gRPC AgentLink on 127.0.0.1:\(grpcPort), \(agents.count) paper agents.
            State: \(dataDir)/commandhub.sqlite (hub) and \(dataDir)/agent-NNN.sqlite (agents).
            Agents: \(agents.map { "\($0.configuration.name)=\($0.agentID.uuidString.lowercased())" }.joined(separator: " "))
            Token for an agent you start yourself (credential demo-external, shown once):
              \(externalToken)

            Try:
              curl -s \(base)/
              curl -s \(base)/\(first)/
              curl -s -X POST \(base)/\(first)/ping/
              curl -s -X POST \(base)/\(first)/pause/
              curl -s -X POST "\(base)/\(first)/request_status/?include_stats=true"
              curl -s -X POST \(base)/\(first)/resume/
              curl -s -X POST "\(base)/\(first)/sync_wallets/?symbols=BTC,ETH,USDT"
              curl -s -X POST \(base)/pause_all/
              curl -s -X POST "\(base)/resume_all/?selector=venue=binance"
              curl -s -X POST "\(base)/sync_all/?symbols=BTC"
              curl -s -X POST \(base)/\(first)/sell/ -d '{"asset": "BTC", "quantity": "0.25", "preview": true}'
              curl -s -X POST \(base)/\(first)/sell/ -H 'Idempotency-Key: demo-sell-1' -d '{"asset": "BTC", "quantity": "0.25", "preview": false}'
              curl -s \(base)/\(first)/wallets/
              curl -s "http://127.0.0.1:\(httpPort)/api/crypto/history/?limit=5"

            """
    }
}
