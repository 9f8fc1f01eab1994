import AsyncHTTPClient
import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import TestSupport
import Logging
import Testing

/// A real hub on 127.0.0.1 with ephemeral ports, running while the body runs.
struct TestHub: Sendable {
    static let token = "integration-test-token"
    /// The admin account every test hub has; `rest` acts as it.
    static let admin = "test-admin"
    static let password = "test-password-0123"
    /// The deadline of a command that names no `?timeout=`. A test that expects a timeout names
    /// a short one; every other command would be answered in milliseconds on a quiet machine, and
    /// on one whose two cores the whole suite shares it still gets this long, so an answer that is
    /// merely slow never reads as a 504.
    static let commandTimeout: Duration = .seconds(30)

    let hub: Hub
    let grpcPort: Int
    let httpPort: Int
    /// Every connect and disconnect the registry saw, in order.
    let registryEvents: EventLog<RegistryEvent>
    let rest: RESTClient

    /// Quiet unless `TEST_LOG_LEVEL` asks for more.
    static var logger: Logger {
        var logger = Logger(label: "test-hub")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// Waits until the agent with `id` is connected.
    func waitForConnected(_ id: UUID, after start: Int = 0) async throws {
        try await self.registryEvents.wait(after: start) { event in
            if case .connected(let snapshot, _) = event { return snapshot.agentID == id }
            return false
        }
    }

    /// Waits until the agent with `id` has disconnected.
    func waitForDisconnected(_ id: UUID, after start: Int = 0) async throws {
        try await self.registryEvents.wait(after: start) { event in
            if case .disconnected(let snapshot, _) = event { return snapshot.agentID == id }
            return false
        }
    }

    /// Waits until the hub has the first wallet sync of the agent with `id` (the one it makes
    /// on connect); returns how many wallets it reported.
    @discardableResult
    func waitForFirstSync(_ id: UUID) async throws -> Int {
        let event = try await self.registryEvents.wait { event in
            if case .updated(let snapshot) = event { return snapshot.agentID == id && snapshot.lastSync != nil }
            return false
        }
        guard case .updated(let snapshot) = event else { return 0 }
        return snapshot.walletsSynced
    }

    /// Pings the agent with `id` over REST and expects its pong: the hub serves it.
    func expectPong(_ id: UUID, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let ping = try await self.rest.post("/api/crypto/commands/\(id.uuidString.lowercased())/ping/")
        #expect(ping.status == 200, "\(what)\(ping)", sourceLocation: sourceLocation)
        #expect(ping.json["ping"].string == "pong", sourceLocation: sourceLocation)
    }

    /// Runs `body` with a fresh hub; the hub stops when `body` returns or throws. Its database
    /// is `storePath`, or a new file in a temporary directory removed afterwards. With `tls`,
    /// both listeners serve TLS with its server certificate and `rest` speaks HTTPS trusting
    /// its CA (`configure` may add mutual TLS).
    static func with<T: Sendable>(
        grpcPort: Int = 0,
        storePath: String? = nil,
        tls: TestCertificates? = nil,
        configure: (inout HubConfiguration) -> Void = { _ in },
        _ body: (TestHub) async throws -> T
    ) async throws -> T {
        if let storePath {
            return try await Self.run(grpcPort: grpcPort, storePath: storePath, tls: tls, configure: configure, body)
        }
        return try await TemporaryDirectory.with { directory in
            try await Self.run(grpcPort: grpcPort, storePath: directory.path("commandhub.sqlite"), tls: tls, configure: configure, body)
        }
    }

    private static func run<T: Sendable>(
        grpcPort: Int, storePath: String, tls: TestCertificates?,
        configure: (inout HubConfiguration) -> Void,
        _ body: (TestHub) async throws -> T
    ) async throws -> T {
        var configuration = HubConfiguration()
        configuration.grpcPort = grpcPort
        configuration.httpPort = 0
        configuration.agentTokens = [Self.token]
        configuration.storePath = storePath
        configuration.bcryptCost = 4
        configuration.defaultCommandTimeout = Self.commandTimeout
        configuration.tlsCertificateFile = tls?.serverCertificateFile
        configuration.tlsKeyFile = tls?.serverKeyFile
        configure(&configuration)
        let hub = try await buildHub(configuration: configuration, logger: Self.logger)
        guard let tls else { return try await Self.serve(hub, tlsClient: nil, body) }
        return try await RESTClient.withHTTPSClient(trusting: tls.caFile) { client in
            try await Self.serve(hub, tlsClient: client, body)
        }
    }

    private static func serve<T: Sendable>(_ hub: Hub, tlsClient: HTTPClient?, _ body: (TestHub) async throws -> T) async throws -> T {
        let events = EventLog<RegistryEvent>()
        hub.registry.observe(events.append)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await hub.run()
                return nil
            }
            defer { group.cancelAll() }
            if hub.operators.account(named: Self.admin) == nil {
                try await hub.addOperator(Self.admin, role: .admin, password: Self.password)
            }
            let rest = RESTClient(port: try await hub.httpPort, token: try await hub.token(for: Self.admin), tlsClient: tlsClient)
            let testHub = TestHub(
                hub: hub, grpcPort: try await hub.grpcPort, httpPort: try await hub.httpPort, registryEvents: events, rest: rest
            )
            return try await body(testHub)
        }
    }
}

/// In-process agents with the real link: real gRPC over loopback HTTP/2 to the hub.
enum TestAgents {
    static func configuration(
        name: String, port: Int, labels: [String: String] = [:], token: String? = TestHub.token, tls: HubTLSConfiguration? = nil
    ) -> AgentConfiguration {
        var configuration = AgentConfiguration()
        configuration.tls = tls
        configuration.agentID = UUID()
        configuration.name = name
        configuration.hubAddress = "127.0.0.1:\(port)"
        configuration.token = token
        configuration.labels = labels
        configuration.syncInterval = .seconds(3600)
        configuration.initialBackoff = .milliseconds(50)
        configuration.maxBackoff = .milliseconds(400)
        return configuration
    }

    static func make(_ configuration: AgentConfiguration) throws -> Agent {
        var logger = Logger(label: "test-agent")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return Agent(
            configuration: configuration, agentID: configuration.agentID ?? UUID(),
            exchange: try PaperExchange.inMemory(configuration: configuration.paper),
            finished: InMemoryFinishedCommands(), logger: logger
        )
    }

    /// Runs the agents while `body` runs and waits until each is connected to `hub` first.
    static func with<T: Sendable>(
        _ agents: [Agent], connectedTo hub: TestHub, _ body: () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            for agent in agents {
                group.addTask {
                    try await agent.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            for agent in agents { try await hub.waitForConnected(agent.agentID) }
            return try await body()
        }
    }
}
