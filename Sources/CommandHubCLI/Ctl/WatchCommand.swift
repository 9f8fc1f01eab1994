import ArgumentParser
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation

/// `ctl watch`: the hub's live events (`GET /api/crypto/events/`), one line each, until
/// interrupted or until the hub ends the stream.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print the hub's live events as they happen: connects, disconnects, status changes, finished commands.",
        discussion: """
            People get one line per event (time, sequence number, type, what happened); --json prints \
            each event's JSON unchanged, one per line. Types: agent_connected, agent_disconnected, \
            agent_status_changed, command_finished. Ends with 0 when the hub ends the stream (it shuts \
            down), 1 when this watcher fell behind and the hub dropped it (an overflow notice). Once \
            subscribed it says "watching <url>" on standard error: every event after that is printed.

            \(CtlExit.help)
            """
    )

    @Option(help: "Only these event types, comma-separated, e.g. agent_connected,command_finished.")
    var types: String?

    @OptionGroup var options: CtlOptions

    func run() async throws {
        let hub = try self.options.client()
        let response = try await hub.open(
            "/api/crypto/events/" + HubClient.query([("types", self.types)]), headers: [("accept", "text/event-stream")])
        guard response.status == .ok else {
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            throw HubClient.Reply(status: Int(response.status.code), text: text).failure(json: self.options.json)
        }
        // On standard error, also with --json: a script can wait for it to know it is subscribed.
        Output.error("watching \(hub.baseURL) (Ctrl-C to stop)")
        var reader = EventStreamReader()
        do {
            for try await chunk in response.body {
                for event in try reader.feed(chunk.readableBytesView) {
                    if event.type == "overflow" {
                        throw CtlExit.fail(CtlExit.failed, "fell behind; the hub dropped this watcher: \(event.data)")
                    }
                    self.options.json
                        ? Output.line(event.data)
                        : Output.line(Rendering.event(id: event.id, type: event.type, JSONValue.parse(event.data)))
                }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw hub.failure(error)
        }
        if !self.options.json { Output.error("the hub ended the stream") }
    }
}
