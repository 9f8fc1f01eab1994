import CryptoAgent
import Foundation

/// The demo's generated credentials and the text it prints once at start-up.
enum DemoSecrets {
    /// A random 32-byte token, hex-encoded.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func banner(httpPort: Int, grpcPort: Int, agents: [Agent], token: String) -> String {
        let base = "http://127.0.0.1:\(httpPort)/api/crypto/commands"
        let first = agents.first?.agentID.uuidString.lowercased() ?? "CLIENT_ID"
        return """

            CommandHub demo: REST on 127.0.0.1:\(httpPort), gRPC AgentLink on 127.0.0.1:\(grpcPort), \(agents.count) paper agents.
            Agent token (printed once): \(token)
            Agents: \(agents.map { "\($0.configuration.name)=\($0.agentID.uuidString.lowercased())" }.joined(separator: " "))

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

            """
    }
}
