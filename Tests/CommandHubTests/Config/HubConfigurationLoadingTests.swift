import CommandHub
import DaemonSupport
import Foundation
import Testing
import TestSupport

/// How the hub reads its configuration through the readers it shares with the agent: flags over
/// `COMMANDHUB_*` variables over the JSON file over the defaults; errors name the key.
@Suite("Hub configuration loading")
struct HubConfigurationLoadingTests {
    func load(_ json: String, environment: [String: String] = [:], overrides: [String: String] = [:]) async throws -> HubConfiguration {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("hub.json")
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return try await HubConfiguration.load(file: path, environment: environment, overrides: overrides)
        }
    }

    @Test func flagsOverrideTheEnvironmentWhichOverridesTheFileWhichOverridesTheDefaults() async throws {
        let file = #"{"grpc": {"port": 6001}, "http": {"port": 6002}, "commands": {"default_timeout_seconds": 2.5}}"#
        let configuration = try await self.load(
            file, environment: ["COMMANDHUB_HTTP_PORT": "7002", "COMMANDHUB_GRPC_PORT": "7001"], overrides: ["grpc.port": "8001"]
        )
        #expect(configuration.grpcPort == 8001)
        #expect(configuration.httpPort == 7002)
        #expect(configuration.defaultCommandTimeout == .milliseconds(2500))
        #expect(configuration.maxCommandTimeout == HubConfiguration().maxCommandTimeout)
    }

    @Test func aMalformedValueIsAnErrorNamingItsKeyOrVariable() async throws {
        let cases: [(String, [String: String], String)] = [
            (#"{"grpc": {"port": "high"}}"#, [:], "grpc.port must be an integer"),
            ("{}", ["COMMANDHUB_GRPC_PORT": "high"], "COMMANDHUB_GRPC_PORT must be an integer"),
            (#"{"listeners": {"allow_plaintext": "perhaps"}}"#, [:], "listeners.allow_plaintext must be true or false"),
            (#"{"commands": {"default_timeout_seconds": [1]}}"#, [:], "commands.default_timeout_seconds must be a number of seconds"),
        ]
        for (json, environment, message) in cases {
            let error = await #expect(throws: ConfigurationError.self) { try await self.load(json, environment: environment) }
            #expect(
                error?.description.hasPrefix("configuration: " + message) == true, "\(json) \(environment): \(String(describing: error))")
        }
    }
}
