import NIOCore
import Testing

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("FormBody")
struct FormBodyTests {
    func form(_ text: String) throws(HubError) -> FormBody {
        try FormBody(ByteBuffer(string: text))
    }

    @Test func decodesPlusAndPercentEscapes() throws {
        let form = try self.form("grant_type=password&username=ops%40desk&password=correct+horse%20battery%C3%A4")
        #expect(form.value("grant_type") == "password")
        #expect(form.value("username") == "ops@desk")
        #expect(form.value("password") == "correct horse batteryä")
        #expect(form.value("scope") == nil)
    }

    @Test func theFirstValueOfARepeatedNameWinsAndABareNameIsEmpty() throws {
        let form = try self.form("username=a&username=b&password&&=x")
        #expect(form.value("username") == "a")
        #expect(form.value("password") == "")
        #expect(form.value("") == "x")
    }

    /// Found by the fuzz harness: these trapped in `URLComponents.percentEncodedQuery`.
    @Test(arguments: ["password=correct horse battery", "username=ä&password=\"x\"#frag", "a={}<>|^`"])
    func rawCharactersAQueryMayNotHoldAreTakenAsTheyAre(body: String) throws {
        let form = try self.form(body)
        let pairs = body.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        for pair in pairs { #expect(form.value(pair[0]) == pair[1]) }
    }

    @Test(arguments: ["username=%zz", "password=100%", "username=%FF", "%C3=x", "password=%E2%82"])
    func aMalformedEscapeIsA400NamingTheBody(body: String) {
        #expect(throws: HubError.badRequest(parameter: "body", reason: "must be a form (name=value&…) with valid UTF-8 percent-escapes")) {
            try self.form(body)
        }
    }
}
