import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage
import NIOCore
import Wire

extension FuzzTarget {
    /// `sell-body`: `SellRequestBody.parse`, as the sell route calls it. Either it throws
    /// `bad_request`, or the asset is 1-20 upper-case ASCII letters and digits and every amount
    /// is a positive decimal string with at most 10 places in canonical notation (the form the
    /// wire, the exchange and the command log compare byte for byte).
    package static func checkSellBody(_ bytes: [UInt8]) throws(FuzzViolation) {
        let body: SellRequestBody
        do {
            body = try SellRequestBody.parse(ByteBuffer(bytes: bytes))
        } catch {
            return try Self.requireBadRequest(error)
        }
        try FuzzViolation.require(
            (1...20).contains(body.asset.utf8.count)
                && body.asset.utf8.allSatisfy {
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                },
            "asset must be 1-20 of A-Z 0-9, got \(body.asset.debugDescription)"
        )
        for (field, amount) in [("quantity", body.quantity), ("min_price", body.minPrice)] {
            guard let amount else { continue }
            try FuzzViolation.require(
                Self.canonicalDecimal(amount) == amount, "\(field) must be in canonical notation, got \(amount.debugDescription)"
            )
            try FuzzViolation.require(!amount.hasPrefix("-") && amount != "0", "\(field) must be positive, got \(amount)")
            try FuzzViolation.require(Self.fractionDigits(amount) <= DecimalText.scale, "\(field) has more than 10 places: \(amount)")
        }
        let wire = body.wire
        try FuzzViolation.require(wire.quantity == body.quantity && wire.asset == body.asset, "the wire Sell must carry the parsed body")
    }

    /// `login-body`: `AuthRoutes.credentials`. Byte 0 picks the content type; the rest is the
    /// body. Either it throws `bad_request`, or it yields a name and a password (non-empty from
    /// a form, where an empty field means missing).
    package static func checkLoginBody(_ bytes: [UInt8]) throws(FuzzViolation) {
        guard let first = bytes.first else { return }
        let contentTypes = [
            "application/json", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
            "APPLICATION/X-WWW-FORM-URLENCODED", "text/plain", "",
        ]
        let contentType = contentTypes[Int(first) % contentTypes.count]
        let credentials: (String, String)
        do {
            credentials = try AuthRoutes.credentials(ByteBuffer(bytes: bytes.dropFirst()), contentType: contentType)
        } catch {
            return try Self.requireBadRequest(error)
        }
        if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            try FuzzViolation.require(!credentials.0.isEmpty && !credentials.1.isEmpty, "a form login needs both fields non-empty")
        }
    }

    /// `admin-body`: `JSONBody` with each admin endpoint's fields (byte 0 picks the endpoint),
    /// read as the endpoint reads them, then the endpoint's own validations. Every refusal is a
    /// `bad_request`; a field read as a string is one.
    package static func checkAdminBody(_ bytes: [UInt8]) throws(FuzzViolation) {
        guard let first = bytes.first else { return }
        let endpoints: [Set<String>] = [["name", "role", "password"], ["role", "password"], ["name", "labels"]]
        let allowed = endpoints[Int(first) % endpoints.count]
        let labels: [String: String]?
        do {
            labels = try Self.readAdminBody(ByteBuffer(bytes: bytes.dropFirst()), allowed: allowed)
        } catch {
            return try Self.requireBadRequest(error)
        }
        if let labels {
            try FuzzViolation.require(JSONText.encode(labels) != "{}" || labels.isEmpty, "labels must encode for the store")
        }
    }

    /// Reads an admin body as the endpoint with these fields does; returns the labels, if any.
    private static func readAdminBody(_ bytes: ByteBuffer, allowed: Set<String>) throws(HubError) -> [String: String]? {
        let body = try JSONBody(bytes, allowed: allowed)
        if allowed.contains("name") {
            let name = try body.requiredString("name")
            if allowed.contains("role") { try OperatorStore.validate(name: name) } else { try CredentialStore.validate(name: name) }
        }
        if allowed.contains("role"), let role = try body.string("role") { _ = try AdminRoutes.role(role) }
        if allowed.contains("password"), let password = try body.string("password") { try PasswordHasher.validate(password) }
        return allowed.contains("labels") ? try body.stringMap("labels") : nil
    }

    /// A refusal of request input must be `bad_request` (a 400 naming the parameter).
    package static func requireBadRequest(_ error: HubError) throws(FuzzViolation) {
        guard case .badRequest(let parameter, _) = error else {
            throw FuzzViolation("input must be refused with bad_request, got \(error)")
        }
        try FuzzViolation.require(
            !parameter.isEmpty && parameter.count <= 64,
            "a bad_request must name its parameter in at most 64 characters, got \(parameter.prefix(80).debugDescription)"
        )
        _ = error.message
    }
}
