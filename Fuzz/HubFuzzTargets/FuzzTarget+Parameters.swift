import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage
import Hummingbird
import HummingbirdCore
import Wire

extension FuzzTarget {
    /// `query-parameters`: the bytes are a query string; `RequestParameters` reads every
    /// parameter the routes read from it. Each read either throws `bad_request` naming that
    /// parameter, or returns a value within its documented bounds.
    package static func checkQueryParameters(_ bytes: [UInt8]) throws(FuzzViolation) {
        let uri = URI("/api/crypto/commands/pause_all/?" + String(decoding: bytes, as: UTF8.self))
        let parameters = RequestParameters(queryParameters: uri.queryParameters)
        try Self.expect("timeout") { () throws(HubError) in
            let timeout = try parameters.timeout(default: .seconds(5), max: .seconds(300))
            return timeout >= .milliseconds(100) && timeout <= .seconds(300)
        }
        try Self.expect("symbols") { () throws(HubError) in
            let symbols = try parameters.symbols()
            let wellFormed = symbols.allSatisfy { symbol in
                (1...20).contains(symbol.utf8.count)
                    && symbol.utf8.allSatisfy {
                        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    }
            }
            return wellFormed && symbols.count <= 256 && Set(symbols).count == symbols.count
        }
        try Self.expect("client_ids") { () throws(HubError) in
            let ids = try parameters.clientIDs() ?? []
            return ids.count <= 100_000 && Set(ids).count == ids.count
        }
        try Self.expect("selector") { () throws(HubError) in
            _ = try parameters.selector()
            return true
        }
        try Self.expect("include_offline") { () throws(HubError) in
            _ = try parameters.bool("include_offline", default: false)
            return true
        }
        try Self.expect("max_concurrency") { () throws(HubError) in
            try parameters.integer("max_concurrency", in: 1...100_000).map { (1...100_000).contains($0) } ?? true
        }
        try Self.expect("since") { () throws(HubError) in try parameters.date("since").map { $0.timeIntervalSince1970.isFinite } ?? true }
        try Self.expect("client_id") { () throws(HubError) in
            _ = try parameters.uuid("client_id")
            return true
        }
        try Self.expect("action") { () throws(HubError) in
            try parameters.oneOf("action", HistoryRoutes.actions).map(HistoryRoutes.actions.contains) ?? true
        }
        try Self.expect("types") { () throws(HubError) in try !EventRoutes.kinds(parameters.query("types")).isEmpty }
    }

    /// Runs one parameter's read: it must hold its bounds, or throw `bad_request` for `parameter`.
    private static func expect(_ parameter: String, _ read: () throws(HubError) -> Bool) throws(FuzzViolation) {
        let withinBounds: Bool
        do {
            withinBounds = try read()
        } catch {
            guard case .badRequest(parameter, _) = error else {
                throw FuzzViolation("\(parameter): must be refused with bad_request naming it, got \(error)")
            }
            return
        }
        try FuzzViolation.require(withinBounds, "\(parameter): a value outside its bounds was accepted")
    }

    /// `label-selector`: `LabelSelector(parsing:)` either throws `bad_request` for `selector`,
    /// or gives terms whose keys and values are within the limits, whose text form parses back
    /// to the same selector, and which can be matched against an agent.
    package static func checkLabelSelector(_ bytes: [UInt8]) throws(FuzzViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let selector: LabelSelector
        do {
            selector = try LabelSelector(parsing: text)
        } catch {
            guard case .badRequest("selector", _) = error else {
                throw FuzzViolation("must be refused with bad_request naming selector, got \(error)")
            }
            return
        }
        for term in selector.terms {
            let (key, value): (String, String?) =
                switch term {
                case .equals(let key, let value), .notEquals(let key, let value): (key, value)
                case .exists(let key): (key, nil)
                }
            try FuzzViolation.require(!key.isEmpty && key.count <= 128, "a key must be 1-128 characters, got \(key.debugDescription)")
            try FuzzViolation.require(!key.contains("=") && !key.contains(","), "a key never holds = or ,: \(key.debugDescription)")
            if let value {
                try FuzzViolation.require(value.count <= 128 && !value.contains("="), "a value is at most 128 characters without =")
            }
        }
        do {
            let again = try LabelSelector(parsing: selector.description)
            try FuzzViolation.require(
                again == selector, "\(text.debugDescription) reads back from \(selector.description.debugDescription) as \(again.terms)")
        } catch let violation as FuzzViolation {
            throw violation
        } catch {
            throw FuzzViolation(
                "\(text.debugDescription) prints as \(selector.description.debugDescription), which does not parse: \(error)")
        }
        _ = selector.matches(Self.selectorProbe)
    }

    /// An agent to match selectors against.
    private static let selectorProbe = AgentSnapshot(
        identity: AgentIdentity(
            agentID: UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)), name: "probe", version: "1.0",
            exchange: "paper", labels: ["venue": "binance", "desk": "otc", "canary": ""]
        ),
        connected: true, status: .active, walletsSynced: 0, syncRequests: 0, inFlight: 0, lastSync: nil, lastHeartbeat: nil,
        lastSeen: Date(timeIntervalSince1970: 0), connectedAt: Date(timeIntervalSince1970: 0), sessionID: nil, remotePeer: nil,
        credentialName: nil
    )

    /// `decimal-text`: `DecimalText.parse` accepts exactly its grammar and denotes the text's
    /// exact value; `format` gives canonical notation with at most 10 places that parses back
    /// to the rounded value; with `maxScale` 10 (sells), nothing with more places gets through.
    package static func checkDecimalText(_ bytes: [UInt8]) throws(FuzzViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let canonical = Self.canonicalDecimal(text)
        let value = DecimalText.parse(text)
        try FuzzViolation.require(
            (value == nil) == (canonical == nil),
            "\(text.debugDescription): parse gave \(value.map { "\($0)" } ?? "nil"), grammar says \(canonical ?? "nil")"
        )
        let scaled = DecimalText.parse(text, maxScale: DecimalText.scale)
        try FuzzViolation.require(
            (scaled != nil) == (value != nil && Self.fractionDigits(text) <= DecimalText.scale),
            "\(text.debugDescription): maxScale \(DecimalText.scale) must accept exactly the texts with at most that many places"
        )
        guard let value, let canonical else { return }
        try FuzzViolation.require(!value.isNaN, "\(text.debugDescription) parsed to NaN")
        try FuzzViolation.require("\(value)" == canonical, "\(text.debugDescription) parsed to \(value), not \(canonical)")
        let formatted = DecimalText.format(value)
        try FuzzViolation.require(
            Self.canonicalDecimal(formatted) == formatted && Self.fractionDigits(formatted) <= DecimalText.scale,
            "format(\(text.debugDescription)) = \(formatted.debugDescription) is not canonical with at most \(DecimalText.scale) places"
        )
        try FuzzViolation.require(
            DecimalText.parse(formatted) == DecimalText.round(value), "format(\(text.debugDescription)) = \(formatted) does not parse back"
        )
    }
}
