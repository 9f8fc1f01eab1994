import HummingbirdCore
import Testing

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("RequestParameters")
struct RequestParametersTests {
    func timeout(_ raw: String) throws(HubError) -> Duration {
        try RequestParameters(queryParameters: ["timeout": Substring(raw)]).timeout(default: .seconds(5), max: .seconds(300))
    }

    /// Found by the fuzz harness: converting these to Int64 milliseconds trapped.
    @Test(arguments: ["1e300", "99999999999999", "9.3e15", "1e16", "300.001"])
    func aTimeoutFarPastTheMaximumIsA400NotACrash(raw: String) {
        #expect(throws: HubError.badRequest(parameter: "timeout", reason: "must be between 0.1 and 300.0 seconds")) {
            try self.timeout(raw)
        }
    }

    @Test func theTimeoutBoundsAreInclusive() throws {
        #expect(try self.timeout("0.1") == .milliseconds(100))
        #expect(try self.timeout("300") == .seconds(300))
        #expect(try self.timeout("2.5") == .milliseconds(2500))
        #expect(throws: HubError.self) { try self.timeout("0.099") }
    }
}
