import Foundation
import GRDB
import HubCore

/// Operator accounts in the hub's database: a name, a role and a bcrypt hash of the password.
///
/// Passwords are hashed by the caller (`PasswordHasher`, off the event loops) before they reach
/// this store; it never sees or keeps a clear-text password.
package struct OperatorStore: Sendable {
    package let database: HubDatabase

    package init(database: HubDatabase) {
        self.database = database
    }

    /// A stored account, with its hash (never shown by the API).
    package struct Account: Sendable, Equatable {
        package var name: String
        package var role: OperatorRole
        package var passwordHash: String
        package var createdAt: Date
        package var lastLoginAt: Date?

        package init(
            name: String,
            role: OperatorRole,
            passwordHash: String,
            createdAt: Date,
            lastLoginAt: Date? = nil
        ) {
            self.name = name
            self.role = role
            self.passwordHash = passwordHash
            self.createdAt = createdAt
            self.lastLoginAt = lastLoginAt
        }
    }

    /// Creates an account; `.operatorExists` if the name is taken.
    package func add(name: String, role: OperatorRole, passwordHash: String, now: Date = Date()) throws(HubError) {
        try Self.validate(name: name)
        try self.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM operator WHERE name = ?", arguments: [name]) == true {
                throw HubError.operatorExists(name)
            }
            try db.execute(
                sql: "INSERT INTO operator (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, passwordHash, now.timeIntervalSince1970]
            )
        }
    }

    /// Changes an account's role and/or password hash; `.operatorNotFound` if there is none.
    package func update(name: String, role: OperatorRole? = nil, passwordHash: String? = nil) throws(HubError) {
        try self.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM operator WHERE name = ?", arguments: [name]) == true else {
                throw HubError.operatorNotFound(name)
            }
            if let role { try db.execute(sql: "UPDATE operator SET role = ? WHERE name = ?", arguments: [role.rawValue, name]) }
            if let passwordHash {
                try db.execute(sql: "UPDATE operator SET password_hash = ? WHERE name = ?", arguments: [passwordHash, name])
            }
        }
    }

    /// Deletes an account; its tokens stop working at once. `.operatorNotFound` if there is none.
    package func remove(name: String) throws(HubError) {
        try self.write { db in
            try db.execute(sql: "DELETE FROM operator WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw HubError.operatorNotFound(name) }
        }
    }

    /// Records a successful login (best effort: a failing disk does not stop a login).
    package func loggedIn(name: String, at now: Date = Date()) {
        try? self.database.pool.write { db in
            try db.execute(sql: "UPDATE operator SET last_login_at = ? WHERE name = ?", arguments: [now.timeIntervalSince1970, name])
        }
    }

    /// Every account, by name.
    package func list() throws(HubError) -> [Account] {
        do {
            return try self.database.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM operator ORDER BY name").compactMap(Self.account)
            }
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }

    /// How many accounts have this role or a higher one.
    package func count(atLeast role: OperatorRole) throws(HubError) -> Int {
        try self.list().filter { $0.role >= role }.count
    }

    package static func account(_ row: Row) -> Account? {
        guard let role = OperatorRole(rawValue: row["role"]) else { return nil }
        return Account(
            name: row["name"], role: role, passwordHash: row["password_hash"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            lastLoginAt: (row["last_login_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        )
    }

    /// Names are what `requested_by` shows in the history: 1-64 of `a-z A-Z 0-9 . _ @ -`.
    package static func validate(name: String) throws(HubError) {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || ".-_@".utf8.contains(byte)
        }
        guard (1...64).contains(name.utf8.count), allowed else {
            throw .badRequest(parameter: "name", reason: "must be 1-64 characters of a-z A-Z 0-9 . _ @ -")
        }
    }

    private func write(_ body: @escaping @Sendable (Database) throws -> Void) throws(HubError) {
        do {
            try self.database.pool.write(body)
        } catch let error as HubError {
            throw error
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }
}
