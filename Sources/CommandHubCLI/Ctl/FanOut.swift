import Foundation
import NIOCore

/// One action sent to many agents from the command line, for the actions the hub has no bulk
/// endpoint for (ping, status): the connected clients matching a selector are listed, then
/// asked concurrently — at most `width` requests in flight, never one after another.
struct FanOut {
    let hub: HubClient
    let action: String
    let query: [(String, String?)]
    let deadline: TimeAmount
    var width = 32

    /// One client's answer.
    struct Result: Sendable {
        let clientID: String
        let name: String
        let reply: HubClient.Reply

        var succeeded: Bool { self.reply.isSuccess && self.reply.json["command_result"]["success"].bool == true }
    }

    struct Report {
        let action: String
        let results: [Result]

        var allSucceeded: Bool { self.results.allSatisfy(\.succeeded) }

        /// One document: totals, then each client's reply as the hub sent it.
        func json(selector: String?) -> String {
            let succeeded = self.results.filter(\.succeeded).count
            let items = self.results.map { result in
                let response = result.reply.json.isPresent ? result.reply.text : JSONValue.quote(result.reply.text)
                return "{\"client_id\":\(JSONValue.quote(result.clientID)),\"client_name\":\(JSONValue.quote(result.name)),"
                    + "\"http_status\":\(result.reply.status),\"response\":\(response)}"
            }
            return "{\"action\":\(JSONValue.quote(self.action)),\"selector\":\(selector.map(JSONValue.quote) ?? "null"),"
                + "\"total\":\(self.results.count),\"succeeded\":\(succeeded),\"failed\":\(self.results.count - succeeded),"
                + "\"results\":[\(items.joined(separator: ","))]}"
        }

        func table() -> String {
            let succeeded = self.results.filter(\.succeeded).count
            let rows = self.results.map { result -> [String] in
                let body = result.reply.json
                guard result.reply.isSuccess else {
                    return [result.clientID, result.name, "error", "-", "\(body["error"].cell): \(body["message"].cell)"]
                }
                let commandResult = body["command_result"]
                return [
                    result.clientID, result.name, result.succeeded ? "ok" : "FAILED", commandResult["current_status"].cell,
                    Rendering.summary(of: commandResult),
                ]
            }
            return "\(self.action): \(self.results.count) targeted, \(succeeded) succeeded, \(self.results.count - succeeded) failed\n"
                + Table.render(header: ["CLIENT ID", "NAME", "RESULT", "STATUS", "DETAIL"], rows: rows)
        }
    }

    func run(selector: String?, json: Bool) async throws -> Report {
        let list = try await self.hub.send(.get, "/api/crypto/commands/" + HubClient.query([("selector", selector)]))
        let clients = try list.accepted(json: json).array.compactMap { client -> (String, String)? in
            guard let id = client["client_id"].string else { return nil }
            return (id, client["client_name"].string ?? "")
        }
        let results = try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results: [Result?] = Array(repeating: nil, count: clients.count)
            var next = 0
            func start(_ index: Int) {
                let (id, name) = clients[index]
                let path = "/api/crypto/commands/\(HubClient.encode(id))/\(self.action)/" + HubClient.query(self.query)
                group.addTask { [hub = self.hub, deadline = self.deadline] in
                    (index, Result(clientID: id, name: name, reply: try await hub.send(.post, path, deadline: deadline)))
                }
            }
            while next < min(self.width, clients.count) {
                start(next)
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < clients.count {
                    start(next)
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
        return Report(action: self.action, results: results)
    }
}
