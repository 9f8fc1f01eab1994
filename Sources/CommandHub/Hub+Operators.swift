import HubAPI
import HubCore
import HubStorage

/// Operator accounts from code: what the demo and the tests use instead of the CLI.
extension Hub {
    /// Creates an operator account — or, with `replacing`, sets an existing one's role and
    /// password. The password is hashed at the configured bcrypt cost.
    package func addOperator(_ name: String, role: OperatorRole, password: String, replacing: Bool = false) async throws {
        try PasswordHasher.validate(password)
        let hash = try await PasswordHasher(cost: UInt8(self.configuration.bcryptCost)).hash(password)
        if replacing, self.operators.account(named: name) != nil {
            try await self.operators.store.update(name: name, role: role, passwordHash: hash)
        } else {
            try await self.operators.store.add(name: name, role: role, passwordHash: hash)
        }
        try await self.operators.reload()
    }

    /// A bearer token for the existing account `name`, as `POST /api/auth/token` issues it.
    package func token(for name: String) async throws -> String {
        guard let account = self.operators.account(named: name) else { throw HubError.operatorNotFound(name) }
        return try await self.tokens.issue(name: account.name, role: account.role).token
    }
}
