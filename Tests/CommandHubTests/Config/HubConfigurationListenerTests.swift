import CommandHub
import DaemonSupport
import HubAPI
import HubCore
import HubLink
import HubStorage
import Testing

/// The loopback rule: which hosts may serve plaintext without `listeners.allow_plaintext`.
@Suite("Listener security rules")
struct HubConfigurationListenerTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LOCALHOST",
    ])
    func loopbackHostsMayServePlaintext(_ host: String) throws {
        #expect(HubConfiguration.isLoopback(host))
        var configuration = HubConfiguration()
        configuration.grpcHost = host
        configuration.httpHost = host
        try configuration.validate()
    }

    @Test(arguments: [
        "0.0.0.0", "::", "", "10.0.0.7", "128.0.0.1", "::2", "::ffff:10.0.0.1", "hub.example", "localhost.example", "127.0.0.1.nip.io",
    ])
    func otherHostsMayNotServePlaintext(_ host: String) {
        #expect(!HubConfiguration.isLoopback(host))
        var configuration = HubConfiguration()
        configuration.httpHost = host
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.allowPlaintextListeners = true
        #expect(throws: Never.self) { try configuration.validate() }
    }

    @Test func describesTheListenersSecurityForTheLog() {
        var configuration = HubConfiguration()
        #expect(configuration.listenerSecurity == "plaintext")
        configuration.tlsCertificateFile = "hub.pem"
        configuration.tlsKeyFile = "hub-key.pem"
        #expect(configuration.listenerSecurity == "TLS")
        configuration.grpcClientCAFile = "ca.pem"
        #expect(configuration.listenerSecurity == "TLS, mutual TLS for agents")
    }
}
