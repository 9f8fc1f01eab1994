import Foundation
import HubCore
import HubStorage
import Hummingbird

/// What admins manage over REST: operator accounts (`/api/admin/operators/`) and agent
/// credentials (`/api/admin/agents/`). Secrets — a generated password, a new agent token —
/// appear once, in the answer that creates them, and are never logged.
///
/// Changes apply at once: the in-memory caches are reloaded after each write, so a revoked
/// agent's live stream closes and a removed operator's tokens stop working immediately.
package struct AdminRoutes {
    package let operators: OperatorDirectory
    package let credentials: CredentialAuthenticator
    package let hasher: PasswordHasher

    package init(
        operators: OperatorDirectory,
        credentials: CredentialAuthenticator,
        hasher: PasswordHasher
    ) {
        self.operators = operators
        self.credentials = credentials
        self.hasher = hasher
    }

    package func register(on api: APIRouter) {
        api.add(.get, "/api/admin/operators/", .requires(.admin)) { _, _ in try await self.listOperators() }
        api.add(.post, "/api/admin/operators/", .requires(.admin)) { request, context in try await self.addOperator(request, context) }
        api.add(.patch, "/api/admin/operators/{name}/", .requires(.admin)) { request, context in
            try await self.updateOperator(request, context)
        }
        api.add(.delete, "/api/admin/operators/{name}/", .requires(.admin)) { _, context in try await self.removeOperator(context) }
        api.add(.get, "/api/admin/agents/", .requires(.admin)) { _, _ in try await self.listAgents() }
        api.add(.post, "/api/admin/agents/", .requires(.admin)) { request, context in try await self.addAgent(request, context) }
        api.add(.post, "/api/admin/agents/{name}/rotate/", .requires(.admin)) { _, context in try await self.rotateAgent(context) }
        api.add(.delete, "/api/admin/agents/{name}/", .requires(.admin)) { _, context in try await self.revokeAgent(context) }
    }

    // MARK: Operators

    package func listOperators() async throws -> Response {
        JSON.array(try await self.operators.store.list().map(Self.item)).response()
    }

    package func addOperator(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        var request = request
        let body = try JSONBody(try await request.collectBody(upTo: context.maxUploadSize), allowed: ["name", "role", "password"])
        let name = try body.requiredString("name")
        try OperatorStore.validate(name: name)
        let role = try Self.role(try body.requiredString("role"))
        let given = try body.string("password")
        if let given { try PasswordHasher.validate(given) }
        let password = given ?? PasswordHasher.generate()
        try await self.operators.store.add(name: name, role: role, passwordHash: try await self.hasher.hash(password))
        try await self.operators.reload()
        var members: [(String, JSON)] = [("name", .string(name)), ("role", .string(role.rawValue))]
        if given == nil { members.append(("password", .string(password))) }
        return JSON.object(members).response(status: .created)
    }

    package func updateOperator(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let name = try Self.name(context)
        var request = request
        let body = try JSONBody(try await request.collectBody(upTo: context.maxUploadSize), allowed: ["role", "password"])
        let role = try body.string("role").map { text throws(HubError) in try Self.role(text) }
        let password = try body.string("password")
        if let password { try PasswordHasher.validate(password) }
        guard role != nil || password != nil else { throw HubError.badRequest(parameter: "body", reason: "give role and/or password") }
        if let role, role != .admin { try await self.keepAnAdmin(besides: name) }
        let hash: String? = if let password { try await self.hasher.hash(password) } else { nil }
        try await self.operators.store.update(name: name, role: role, passwordHash: hash)
        try await self.operators.reload()
        guard let account = self.operators.account(named: name) else { throw HubError.operatorNotFound(name) }
        return Self.item(account).response()
    }

    package func removeOperator(_ context: HubRequestContext) async throws -> Response {
        let name = try Self.name(context)
        try await self.keepAnAdmin(besides: name)
        try await self.operators.store.remove(name: name)
        try await self.operators.reload()
        return JSON.object([("name", .string(name)), ("removed", .bool(true))]).response()
    }

    /// Refuses to demote or remove the last admin: nobody could manage the hub over REST again.
    private func keepAnAdmin(besides name: String) async throws(HubError) {
        guard self.operators.account(named: name)?.role == .admin else { return }
        guard try await self.operators.store.count(atLeast: .admin) > 1 else {
            throw .badRequest(parameter: "name", reason: "\(name) is the last admin; make another admin first")
        }
    }

    package static func item(_ account: OperatorStore.Account) -> JSON {
        .object([
            ("name", .string(account.name)), ("role", .string(account.role.rawValue)),
            ("created_at", .timestamp(account.createdAt)), ("last_login_at", .timestamp(account.lastLoginAt)),
        ])
    }

    package static func role(_ text: String) throws(HubError) -> OperatorRole {
        guard let role = OperatorRole(rawValue: text) else {
            throw .badRequest(parameter: "role", reason: "must be one of \(OperatorRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    package static func name(_ context: HubRequestContext) throws(HubError) -> String {
        let name = context.parameters.get("name") ?? ""
        guard (1...64).contains(name.utf8.count) else { throw .badRequest(parameter: "name", reason: "must be 1-64 characters") }
        return name
    }

    // MARK: Agent credentials

    package func listAgents() async throws -> Response {
        let items = try await self.credentials.store.list().map { credential in
            JSON.object([
                ("name", .string(credential.name)),
                ("labels", .object(credential.labels.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })),
                ("created_at", .timestamp(credential.createdAt)),
                ("revoked_at", .timestamp(credential.revokedAt)),
                ("last_used_at", .timestamp(credential.lastUsedAt)),
            ])
        }
        return JSON.array(items).response()
    }

    package func addAgent(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        var request = request
        let body = try JSONBody(try await request.collectBody(upTo: context.maxUploadSize), allowed: ["name", "labels"])
        let name = try body.requiredString("name")
        let token = try await self.credentials.store.add(name: name, labels: try body.stringMap("labels") ?? [:])
        try await self.credentials.reload()
        return JSON.object([("name", .string(name)), ("token", .string(token))]).response(status: .created)
    }

    package func rotateAgent(_ context: HubRequestContext) async throws -> Response {
        let name = try Self.name(context)
        guard try await self.credentials.store.list().contains(where: { $0.name == name }) else { throw HubError.credentialNotFound(name) }
        let labels = try await self.credentials.store.list().first { $0.name == name }?.labels ?? [:]
        let token = try await self.credentials.store.rotate(name: name, labels: labels)
        try await self.credentials.reload()
        return JSON.object([("name", .string(name)), ("token", .string(token))]).response()
    }

    package func revokeAgent(_ context: HubRequestContext) async throws -> Response {
        let name = try Self.name(context)
        let revoked = try await self.credentials.store.revoke(name: name)
        try await self.credentials.reload()
        return JSON.object([("name", .string(name)), ("revoked", .bool(true)), ("already_revoked", .bool(!revoked))]).response()
    }
}
