import NIOCore
import Testing

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("Login body")
struct AuthRoutesTests {
    let form = "application/x-www-form-urlencoded"

    @Test func aFormWithARawSpaceInThePasswordLogsInWithThatPassword() throws {
        // What `curl -d 'username=…&password=…'` sends; it used to bring the hub down.
        let (name, password) = try AuthRoutes.credentials(ByteBuffer(string: "username=ops&password=two words"), contentType: self.form)
        #expect(name == "ops")
        #expect(password == "two words")
    }

    @Test func aFormWithAMalformedEscapeIsA400() {
        #expect(throws: HubError.self) {
            try AuthRoutes.credentials(ByteBuffer(string: "username=%zz&password=x"), contentType: self.form)
        }
    }

    @Test(arguments: ["grant_type=client_credentials&username=a&password=b", "grant_type&username=a&password=b"])
    func aFormWithAnotherGrantIsA400NamingIt(body: String) {
        #expect(throws: HubError.badRequest(parameter: "grant_type", reason: "only password is supported")) {
            try AuthRoutes.credentials(ByteBuffer(string: body), contentType: self.form)
        }
    }

    @Test(arguments: ["username=&password=b", "password=b", "username=a"])
    func aFormWithoutBothFieldsIsA400NamingTheMissingOne(body: String) throws {
        let error = try #require(throws: HubError.self) {
            try AuthRoutes.credentials(ByteBuffer(string: body), contentType: self.form)
        }
        guard case .badRequest(let parameter, "required") = error else { Issue.record("\(error)"); return }
        #expect(body.contains("username=a") ? parameter == "password" : parameter == "username")
    }

    @Test func aJSONFieldWithAnEmptyNameIsA400NamingTheBody() {
        #expect(throws: HubError.badRequest(parameter: "body", reason: #"unknown field ""; expected password, username"#)) {
            try AuthRoutes.credentials(ByteBuffer(string: #"{"username": "a", "password": "b", "": 1}"#), contentType: "application/json")
        }
    }
}
