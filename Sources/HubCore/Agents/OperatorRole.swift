/// What an operator account may do. Each role includes everything of the roles before it:
/// a viewer reads; an operator also pauses, resumes, pings, syncs and asks for status; a trader
/// also sells; an admin also runs bulk actions and manages agents and operators.
package enum OperatorRole: String, Sendable, CaseIterable, Comparable, Codable {
    case viewer
    case `operator`
    case trader
    case admin

    package static func < (lhs: OperatorRole, rhs: OperatorRole) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .trader: 2
        case .admin: 3
        }
    }

    /// Whether this role may do what `permission` guards.
    package func allows(_ permission: Permission) -> Bool { self >= permission.minimumRole }
}

/// What a REST route needs; every route names exactly one.
package enum Permission: String, Sendable, CaseIterable {
    /// Reads: clients, wallets, history, jobs, events.
    case read
    /// Commands to one agent that do not trade: pause, resume, ping, sync, status.
    case operate
    /// Sells, preview or execute.
    case trade
    /// Bulk actions, agent credentials and operator accounts.
    case admin

    package var minimumRole: OperatorRole {
        switch self {
        case .read: .viewer
        case .operate: .operator
        case .trade: .trader
        case .admin: .admin
        }
    }
}
