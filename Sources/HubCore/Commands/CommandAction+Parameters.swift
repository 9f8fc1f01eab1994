import Wire

extension Commandhub_V1_Command.OneOf_Action {
    /// The action's parameters as the command log and history show them.
    package var parameters: JSON {
        switch self {
        case .pause, .resume, .ping: .object([])
        case .syncWallets(let sync): .object([("symbols", .array(sync.symbols.map(JSON.string)))])
        case .requestStatus(let request): .object([("include_stats", .bool(request.includeStats))])
        case .sell(let sell):
            .object([
                ("asset", .string(sell.asset)), ("quantity", .string(sell.quantity)),
                ("min_price", sell.minPrice.isEmpty ? .null : .string(sell.minPrice)), ("preview", .bool(sell.previewOnly)),
                ("client_order_id", .string(sell.clientOrderID)),
            ])
        }
    }
}
