import Foundation
import HubCore
import Synchronization

/// Limits failed logins: at most `limit` failures per user name and per client address within
/// `window`; past that, logins from that name or address are refused (429 with `Retry-After`)
/// until the oldest failure leaves the window. A success clears the name's failures.
///
/// Bounded: at most `capacity` names and addresses are tracked; past that, expired ones are
/// dropped, then the least recently failed.
package final class LoginThrottle: Sendable {
    package let limit: Int
    package let window: TimeInterval
    package let capacity: Int
    private let failures = Mutex<[String: [Date]]>([:])

    package init(limit: Int = 10, window: TimeInterval = 60, capacity: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Throws `.tooManyLoginAttempts` if `name` or `address` used up its failures.
    package func check(name: String, address: String, now: Date = Date()) throws(HubError) {
        let wait = self.failures.withLock { failures -> TimeInterval? in
            var longest: TimeInterval?
            for key in [Self.key(name: name), Self.key(address: address)] {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < self.window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= self.limit, let oldest = recent.first {
                    longest = max(longest ?? 0, self.window - now.timeIntervalSince(oldest))
                }
            }
            return longest
        }
        if let wait { throw .tooManyLoginAttempts(retryAfterSeconds: max(1, Int(wait.rounded(.up)))) }
    }

    package func failed(name: String, address: String, now: Date = Date()) {
        self.failures.withLock { failures in
            for key in [Self.key(name: name), Self.key(address: address)] {
                failures[key, default: []].append(now)
            }
            guard failures.count > self.capacity else { return }
            failures = failures.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < self.window }
            while failures.count > self.capacity,
                let stalest = failures.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) })
            {
                failures[stalest.key] = nil
            }
        }
    }

    package func succeeded(name: String) {
        self.failures.withLock { $0[Self.key(name: name)] = nil }
    }

    private static func key(name: String) -> String { "user:" + name }
    private static func key(address: String) -> String { "addr:" + address }
}
