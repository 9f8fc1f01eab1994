import CryptoAgent
import Foundation
import NIOHTTP1
import Testing
import TestSupport

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// Operator accounts, tokens and roles over real HTTP against a real hub.
@Suite("Operator auth", .timeLimit(.minutes(2)))
struct OperatorAuthTests {
    /// The callers of the matrix: no token, two bad ones, and one account per role.
    enum Caller: CaseIterable {
        case anonymous, expired, wrongSignature, viewer, `operator`, trader, admin

        var role: OperatorRole? {
            switch self {
            case .viewer: .viewer
            case .operator: .operator
            case .trader: .trader
            case .admin: .admin
            default: nil
            }
        }
    }

    /// Every route the hub registered × every kind of caller: without a valid token a protected
    /// route is 401 (with `WWW-Authenticate: Bearer`), with a role too low it is 403, and with
    /// a role high enough it is neither; open routes never are.
    @Test func everyRouteTimesEveryRoleTimesBadTokens() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "matrix", port: hub.grpcPort))
            try await TestAgents.with([agent], connectedTo: hub) {
                var tokens: [Caller: String] = [:]
                for caller in Caller.allCases {
                    if let role = caller.role {
                        try await hub.hub.addOperator("matrix-\(caller)", role: role, password: TestHub.password)
                        tokens[caller] = try await hub.hub.token(for: "matrix-\(caller)")
                    }
                }
                tokens[.expired] = try await hub.hub.tokens.issue(
                    name: "matrix-admin", role: .admin, now: Date().addingTimeInterval(-7200)
                ).token
                tokens[.wrongSignature] = try await TokenIssuer(key: TokenIssuer.newKey(), lifetime: .seconds(600))
                    .issue(name: "matrix-admin", role: .admin).token

                let routes = hub.hub.routes.all
                #expect(routes.count >= 20, "the catalogue lists the hub's routes")
                var checked = 0
                for route in routes {
                    let path = Self.concrete(route.path, clientID: agent.agentID)
                    for caller in Caller.allCases {
                        let response = try await hub.rest.with(token: tokens[caller]).send(
                            HTTPMethod(rawValue: "\(route.method)"), path + "?timeout=2"
                        )
                        let label = "\(route.method) \(route.path) as \(caller): \(response)"
                        switch route.access {
                        case .open:
                            #expect(![401, 403].contains(response.status), "\(label)")
                        case .requires(let permission):
                            if let role = caller.role {
                                if role.allows(permission) {
                                    #expect(![401, 403].contains(response.status), "\(label)")
                                } else {
                                    #expect(response.status == 403, "\(label)")
                                    #expect(response.json["error"].string == "forbidden", "\(label)")
                                }
                            } else {
                                #expect(response.status == 401, "\(label)")
                                #expect(response.json["error"].string == "unauthenticated", "\(label)")
                                #expect(response.header("www-authenticate") == "Bearer", "\(label)")
                                if caller == .expired { #expect(response.json["message"].string?.contains("expired") == true, "\(label)") }
                            }
                        }
                        checked += 1
                    }
                }
                #expect(checked == routes.count * Caller.allCases.count)
            }
        }
    }

    @Test func loginIssuesATokenThatActsWithTheAccountsCurrentRole() async throws {
        try await TestHub.with { hub in
            try await hub.hub.addOperator("alice", role: .viewer, password: "alice-password-1")
            let anonymous = hub.rest.with(token: nil)

            let login = try await anonymous.post("/api/auth/token", body: #"{"username": "alice", "password": "alice-password-1"}"#)
            #expect(login.status == 200, "\(login)")
            #expect(login.json["token_type"].string == "Bearer")
            #expect(login.json["role"].string == "viewer")
            #expect((login.json["expires_in"].int ?? 0) > 3000)
            #expect(login.header("cache-control") == "no-store")
            let token = try #require(login.json["access_token"].string)
            let alice = hub.rest.with(token: token)

            let me = try await alice.get("/api/auth/me")
            #expect(me.json["username"].string == "alice")
            #expect(me.json["permissions"].array?.compactMap(\.string) == ["read"])
            #expect(try await alice.get("/api/crypto/commands/").status == 200)
            #expect(try await alice.post("/api/crypto/commands/pause_all/").status == 403)

            // An admin promotes alice: her existing token acts as admin at once.
            let promote = try await hub.rest.send(.PATCH, "/api/admin/operators/alice/", body: #"{"role": "admin"}"#)
            #expect(promote.status == 200, "\(promote)")
            #expect(try await alice.get("/api/admin/operators/").status == 200)

            // Removed: the token stops working at once.
            #expect(try await hub.rest.send(.DELETE, "/api/admin/operators/alice/").status == 200)
            let gone = try await alice.get("/api/crypto/commands/")
            #expect(gone.status == 401)
            #expect(gone.json["message"].string?.contains("no longer exists") == true)

            // The same form Swagger UI's "Authorize" sends.
            let form = try await anonymous.send(
                .POST, "/api/auth/token", body: "grant_type=password&username=\(TestHub.admin)&password=\(TestHub.password)",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(form.status == 200, "\(form)")
        }
    }

    @Test func wrongPasswordsAreRefusedThenRateLimited() async throws {
        try await TestHub.with(configure: { $0.loginAttemptsPerMinute = 3 }) { hub in
            let anonymous = hub.rest.with(token: nil)
            for _ in 0..<3 {
                let wrong = try await anonymous.post(
                    "/api/auth/token", body: #"{"username": "test-admin", "password": "not-the-password"}"#)
                #expect(wrong.status == 401)
                #expect(wrong.json["error"].string == "invalid_login")
            }
            let limited = try await anonymous.post(
                "/api/auth/token", body: #"{"username": "test-admin", "password": "\#(TestHub.password)"}"#)
            #expect(limited.status == 429, "even the right password waits once the limit is reached: \(limited)")
            #expect(Int(limited.header("retry-after") ?? "") ?? 0 >= 1)
            // An unknown name is refused exactly like a wrong password.
            let unknown = try await anonymous.post("/api/auth/token", body: #"{"username": "nobody", "password": "whatever-password"}"#)
            #expect(unknown.status == 429, "the address is limited too: \(unknown)")
        }
    }

    @Test func malformedLoginsAre400AndBadHeadersAre401() async throws {
        try await TestHub.with { hub in
            let anonymous = hub.rest.with(token: nil)
            #expect(try await anonymous.post("/api/auth/token", body: "{").status == 400)
            #expect(try await anonymous.post("/api/auth/token", body: #"{"username": 1, "password": "x"}"#).status == 400)
            #expect(try await anonymous.post("/api/auth/token", body: #"{"username": "a", "password": "b", "extra": 1}"#).status == 400)
            let basic = try await anonymous.get("/api/crypto/commands/", headers: [("authorization", "Basic dXNlcjpwYXNz")])
            #expect(basic.status == 401)
            let garbage = try await anonymous.get("/api/crypto/commands/", headers: [("authorization", "Bearer not.a.jwt")])
            #expect(garbage.status == 401)
            #expect(garbage.json["message"].string == "invalid bearer token")
        }
    }

    /// Found by the fuzz harness: a form body with a raw space (what `curl -d` sends for a
    /// password with a space) or a malformed escape used to trap in `URLComponents`, killing the
    /// hub for anyone who could reach its login.
    @Test func formLoginsWithRawSpacesOrBadEscapesAreAnsweredAndTheHubStaysUp() async throws {
        try await TestHub.with { hub in
            let anonymous = hub.rest.with(token: nil)
            let form = "application/x-www-form-urlencoded"
            let spaced = try await anonymous.send(
                .POST, "/api/auth/token", body: "username=\(TestHub.admin)&password=not the password", contentType: form
            )
            #expect(spaced.status == 401, "read as a (wrong) password: \(spaced)")
            let escape = try await anonymous.send(.POST, "/api/auth/token", body: "username=%zz&password=x", contentType: form)
            #expect(escape.status == 400, "\(escape)")
            #expect(escape.json["message"].string?.hasPrefix("Invalid body:") == true)
            let login = try await anonymous.send(
                .POST, "/api/auth/token", body: "username=\(TestHub.admin)&password=\(TestHub.password)", contentType: form
            )
            #expect(login.status == 200, "the hub still serves: \(login)")
        }
    }

    @Test func adminsManageAgentCredentialsAndARevokedAgentIsCutOff() async throws {
        try await TestHub.with { hub in
            let created = try await hub.rest.post("/api/admin/agents/", body: #"{"name": "desk-9", "labels": {"desk": "spot"}}"#)
            #expect(created.status == 201, "\(created)")
            let token = try #require(created.json["token"].string)
            let list = try await hub.rest.get("/api/admin/agents/")
            #expect(list.json.array?.contains { $0["name"].string == "desk-9" && $0["labels"]["desk"].string == "spot" } == true)

            let agent = try TestAgents.make(TestAgents.configuration(name: "desk-9-agent", port: hub.grpcPort, token: token))
            try await TestAgents.with([agent], connectedTo: hub) {
                let revoked = try await hub.rest.send(.DELETE, "/api/admin/agents/desk-9/")
                #expect(revoked.status == 200, "\(revoked)")
                try await hub.waitForDisconnected(agent.agentID)
            }
            #expect(try await hub.rest.send(.DELETE, "/api/admin/agents/nope/").status == 404)
            #expect(try await hub.rest.send(.DELETE, "/api/admin/operators/\(TestHub.admin)/").status == 400, "the last admin stays")
        }
    }

    /// A documented path with its parameters filled in.
    static func concrete(_ path: String, clientID: UUID) -> String {
        path.replacingOccurrences(of: "{client_id}", with: clientID.uuidString.lowercased())
            .replacingOccurrences(of: "{command_id}", with: UUID().uuidString.lowercased())
            .replacingOccurrences(of: "{job_id}", with: UUID().uuidString.lowercased())
            .replacingOccurrences(of: "{name}", with: "nobody")
    }
}
