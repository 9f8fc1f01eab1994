import CryptoAgent
import Foundation
import Testing
import TestSupport

/// The console's files as the hub serves them: every file of `Sources/ConsoleAssets/web/`
/// byte for byte (the embedded copy is the committed one), with its type, the strict
/// Content-Security-Policy and an ETag that revalidates to 304; `/docs` is the console's shell
/// and loads nothing from elsewhere; API answers read with a token are never cached; the fleet
/// list carries what the console's table shows. The browser suite (`ConsoleBrowserTests`)
/// checks what the pages do.
@Suite("Console files and headers", .timeLimit(.minutes(2)))
struct ConsoleRoutesTests {
    static let web = OpenAPITests.repository.appendingPathComponent("Sources/ConsoleAssets/web")

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.web.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

    @Test func everyConsoleFileIsServedByteForByteWithItsTypeAndPolicy() async throws {
        try await TestHub.with { hub in
            let client = hub.rest.with(token: nil)
            let names = try Self.files()
            #expect(names.contains("index.html") && names.contains("app.js"))
            for name in names {
                let file = try String(contentsOf: Self.web.appendingPathComponent(name), encoding: .utf8)
                let served = try await client.get("/ui/\(name)")
                #expect(served.status == 200, "\(name): \(served)")
                #expect(served.text == file, "\(name) differs from web/: run Scripts/embed-console.py")
                let type = served.header("content-type") ?? ""
                switch name.split(separator: ".").last {
                case "js": #expect(type == "text/javascript; charset=utf-8", "\(name)")
                case "css": #expect(type == "text/css; charset=utf-8", "\(name)")
                case "html": #expect(type == "text/html; charset=utf-8", "\(name)")
                case "svg": #expect(type == "image/svg+xml", "\(name)")
                default: Issue.record("\(name): a file type the console does not serve")
                }
                #expect(served.header("content-security-policy") == Self.policy, "\(name)")
                #expect(served.header("x-content-type-options") == "nosniff", "\(name)")
                #expect(served.header("x-frame-options") == "DENY", "\(name)")
                #expect(served.header("cache-control") == "no-cache", "\(name)")
                #expect(served.header("etag")?.hasPrefix("\"") == true, "\(name)")
            }
        }
    }

    @Test func theShellAnswersAtUIAndAtDocsAndLoadsOnlyFromTheHub() async throws {
        try await TestHub.with { hub in
            let client = hub.rest.with(token: nil)
            let shell = try String(contentsOf: Self.web.appendingPathComponent("index.html"), encoding: .utf8)
            for path in ["/ui/", "/ui", "/docs"] {
                let page = try await client.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(page.text == shell, "\(path) is the console's shell")
                #expect(page.header("content-security-policy") == Self.policy, "\(path)")
            }
            #expect(shell.contains(#"<script type="module" src="/ui/app.js"></script>"#))
            #expect(!shell.contains("http://") && !shell.contains("https://"), "the shell names no other host")
            #expect(!shell.contains("<script>") && !shell.contains(" style="), "no inline script or style")
        }
    }

    @Test func anUnchangedFileRevalidatesTo304AndAChangedETagGetsTheFile() async throws {
        try await TestHub.with { hub in
            let client = hub.rest.with(token: nil)
            let first = try await client.get("/ui/app.js")
            let etag = try #require(first.header("etag"))
            let again = try await client.get("/ui/app.js", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
            #expect(again.text.isEmpty)
            #expect(again.header("etag") == etag)
            let weak = try await client.get("/ui/app.js", headers: [("If-None-Match", "\"other\", W/\(etag)")])
            #expect(weak.status == 304)
            let stale = try await client.get("/ui/app.js", headers: [("If-None-Match", "\"0000000000000000\"")])
            #expect(stale.status == 200)
            #expect(stale.text == first.text)
        }
    }

    @Test func anUnknownConsoleFileIsANotFoundInTheAPIsShape() async throws {
        try await TestHub.with { hub in
            let missing = try await hub.rest.with(token: nil).get("/ui/missing.js")
            #expect(missing.status == 404)
            #expect(missing.json["error"].string == "not_found")
        }
    }

    @Test func answersReadWithATokenAreNeverCached() async throws {
        try await TestHub.with { hub in
            for path in ["/api/crypto/commands/", "/api/crypto/history/", "/api/auth/me"] {
                let answer = try await hub.rest.get(path)
                #expect(answer.status == 200, "\(path)")
                #expect(answer.header("cache-control") == "no-store", "\(path)")
                #expect(answer.header("x-content-type-options") == "nosniff", "\(path)")
            }
        }
    }

    @Test func theFleetListCarriesExchangeHeartbeatAndLastSyncAfterTheClassicKeys() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "crypto-bot-001", port: hub.grpcPort))
            try await TestAgents.with([agent], connectedTo: hub) {
                let id = agent.agentID.uuidString.lowercased()
                let sync = try await hub.rest.post("/api/crypto/commands/\(id)/sync_wallets/")
                #expect(sync.status == 200)
                let list = try await hub.rest.get("/api/crypto/commands/")
                let row = list.json[0]
                #expect(row["exchange"].string == "paper")
                #expect(row["last_sync"].string != nil, "a sync was answered")
                #expect(row["last_heartbeat"].isNull || row["last_heartbeat"].string != nil, "null until the first heartbeat, then a time")
                let classic = ["client_id", "client_name", "connected", "wallets_synced", "status", "labels"]
                #expect(list.keysInOrder(classic + ["exchange", "last_heartbeat", "last_sync"]))
            }
        }
    }

    /// The console never turns data into HTML or code: no HTML string sinks, no eval, no inline
    /// handlers, no timers from strings. (The policy's Trusted Types would refuse them too.)
    @Test func noConsoleScriptUsesAnHTMLSinkOrEval() throws {
        let forbidden = ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "DOMParser", "srcdoc"]
        for name in try Self.files() where name.hasSuffix(".js") {
            let text = try String(contentsOf: Self.web.appendingPathComponent(name), encoding: .utf8)
            let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            let code = lines.joined(separator: "\n")
            for sink in forbidden {
                #expect(!code.contains(sink), "\(name) uses \(sink)")
            }
            #expect(!code.contains("setTimeout('") && !code.contains("setTimeout(\""), "\(name) passes a string to setTimeout")
        }
    }
}
