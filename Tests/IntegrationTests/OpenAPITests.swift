@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI
import Foundation
import Testing
import TestSupport

/// The OpenAPI document is kept true: every route the hub registers is in it with its method,
/// every operation in it is a route, the served copies are the committed file, and operations
/// that need a token say so.
@Suite("OpenAPI document", .timeLimit(.minutes(2)))
struct OpenAPITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        try await TestHub.with { hub in
            let served = try await hub.rest.with(token: nil).get("/openapi.json")
            #expect(served.status == 200)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(served.text.utf8)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(
                paths.flatMap { path, operations in
                    operations.keys.filter { ["get", "post", "put", "patch", "delete"].contains($0) }.map { "\($0.uppercased()) \(path)" }
                })
            let routes = hub.hub.routes.all
            let registered = Set(routes.map { "\($0.method) \($0.path)" })
            #expect(registered.count == routes.count, "no route is registered twice")
            #expect(registered.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
            #expect(documented.subtracting(registered).sorted() == [], "documented operations the hub does not serve")

            // An open route is documented with `security: []`; every other one inherits bearer.
            for route in routes {
                let operation = paths[route.path]?["\(route.method)".lowercased()] as? [String: Any]
                let security = operation?["security"] as? [Any]
                if case .open = route.access {
                    #expect(security?.isEmpty == true, "\(route.method) \(route.path) is open but documented as needing a token")
                } else {
                    #expect(security == nil, "\(route.method) \(route.path) needs a token but is documented as open")
                }
            }
        }
    }

    @Test func theServedDocumentsAreTheCommittedFile() async throws {
        try await TestHub.with { hub in
            let file = try String(
                contentsOf: Self.repository.appendingPathComponent("Sources/HubAPIDocument/openapi.yaml"), encoding: .utf8)
            let yaml = try await hub.rest.with(token: nil).get("/openapi.yaml")
            #expect(yaml.status == 200)
            #expect(yaml.header("content-type") == "application/yaml")
            #expect(yaml.text == file, "openapi.yaml changed: run Scripts/embed-openapi.py")
            let docs = try await hub.rest.with(token: nil).get("/docs")
            #expect(docs.status == 200)
            #expect(docs.header("content-type")?.hasPrefix("text/html") == true)
            #expect(docs.text.contains(#"src="/ui/app.js""#), "the console's shell, which renders /openapi.json")
        }
    }
}
