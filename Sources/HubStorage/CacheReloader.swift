import DaemonSupport
import Foundation
import Logging
import ServiceLifecycle

/// For a store shared with other processes or other hubs (PostgreSQL): reloads the agent
/// credentials and operator accounts every `interval`, so a credential revoked or an account
/// changed through another hub or the CLI applies here too. Two small reads per interval.
package struct CacheReloader: Service {
    package let authenticator: CredentialAuthenticator
    package let operators: OperatorDirectory
    package let interval: Duration
    package let logger: Logger

    package init(authenticator: CredentialAuthenticator, operators: OperatorDirectory, interval: Duration, logger: Logger) {
        self.authenticator = authenticator
        self.operators = operators
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                do {
                    try await self.authenticator.reload()
                    try await self.operators.reload()
                } catch {
                    self.logger.warning("could not reload credentials and operators", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
