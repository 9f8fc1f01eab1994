import ArgumentParser
import CryptoAgent
import Foundation
import Wire

/// `crypto-agent sell overview|preview|execute`, the desktop agent's local sell commands: the
/// same preview and execute the hub drives, run locally against the agent's own exchange and
/// limits.
struct Sell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sell on the agent's exchange locally: overview, preview, execute.",
        subcommands: [Overview.self, Preview.self, Execute.self]
    )

    /// What to sell.
    struct Order: ParsableArguments {
        @Option(help: "Asset to sell, e.g. BTC.")
        var asset: String

        @Option(help: "Quantity as a decimal, e.g. 0.25 (at most 10 decimal places).")
        var quantity: String

        @Option(help: "Refuse if the price is below this.")
        var minPrice: String?

        func validate() throws {
            guard let quantity = DecimalText.parse(self.quantity, maxScale: DecimalText.scale), quantity > 0 else {
                throw ValidationError("--quantity must be a positive decimal with at most 10 places, got \"\(self.quantity)\"")
            }
            if let text = self.minPrice {
                guard let price = DecimalText.parse(text, maxScale: DecimalText.scale), price > 0 else {
                    throw ValidationError("--min-price must be a positive decimal, got \"\(text)\"")
                }
            }
        }

        /// The validated request (`validate()` ran during parsing).
        func request() -> SellRequest {
            SellRequest(
                asset: self.asset.uppercased(), quantity: DecimalText.parse(self.quantity) ?? 0,
                minPrice: self.minPrice.flatMap { DecimalText.parse($0) }
            )
        }
    }

    struct Overview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assets you can sell: price, free balance, most you may sell now.")

        @OptionGroup var options: AgentOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let local = try await LocalState.open(self.options)
            var rows: [[String]] = []
            var json: [[String: String]] = []
            for wallet in try await local.exchange.balances(symbols: []) where wallet.asset != local.exchange.quoteAsset {
                guard let price = try? await local.exchange.price(of: wallet.asset) else { continue }
                let allowed = local.configuration.limits.allowedAssets?.contains(wallet.asset) ?? true
                var maximum = allowed ? wallet.free : 0
                if let cap = local.configuration.limits.maxQuantity[wallet.asset] { maximum = min(maximum, cap) }
                let value = DecimalText.round(wallet.free * price, scale: DecimalText.scale)
                let row = [
                    wallet.asset, DecimalText.format(price), DecimalText.format(wallet.free), DecimalText.format(maximum),
                    DecimalText.format(value),
                ]
                rows.append(row)
                json.append(
                    Dictionary(uniqueKeysWithValues: zip(["asset", "price", "free", "max_quantity", "value"], row).map { ($0, $1) }))
            }
            self.output.print(
                json: json,
                text: Table.render(header: ["ASSET", "PRICE (\(local.exchange.quoteAsset))", "FREE", "MAX SELL", "VALUE"], rows: rows)
            )
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What a sell would do now: price, gross, fee, net, limits it would hit.")

        @OptionGroup var options: AgentOptions
        @OptionGroup var order: Order
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let local = try await LocalState.open(self.options)
            let preview = try await Sell.preview(self.order.request(), local)
            self.output.print(json: Sell.json(preview), text: Sell.text(preview))
        }
    }

    struct Execute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Execute a sell: shows the preview and asks for confirmation unless --yes."
        )

        @OptionGroup var options: AgentOptions
        @OptionGroup var order: Order
        @OptionGroup var output: OutputOptions

        @Flag(help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            let local = try await LocalState.open(self.options)
            let request = self.order.request()
            let preview = try await Sell.preview(request, local)
            if !self.output.json { print(Sell.text(preview)) }
            guard preview.limitsHit.isEmpty else {
                throw Failure.refused("not executed: \(preview.limitsHit.joined(separator: ", "))")
            }
            if !self.yes {
                print("Execute this sell? [y/N] ", terminator: "")
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    print("not executed")
                    return
                }
            }
            let fill: SellFill
            do {
                // A plain UUID: 36 characters, the most Binance's newClientOrderId takes.
                fill = try await local.exchange.executeSell(request, clientOrderID: UUID().uuidString.lowercased())
            } catch {
                throw Failure.refused(error.description)
            }
            var fields: [(String, String)] = [
                ("order_id", fill.orderID), ("client_order_id", fill.clientOrderID), ("asset", fill.asset),
                ("quantity", DecimalText.format(fill.quantity)), ("price", DecimalText.format(fill.price)),
                ("gross", DecimalText.format(fill.gross)), ("fee", DecimalText.format(fill.fee)),
                ("fee_asset", fill.feeAsset ?? fill.quoteAsset), ("net", DecimalText.format(fill.net)),
                ("quote_asset", fill.quoteAsset),
            ]
            if let requested = fill.requestedQuantity {
                fields += [("requested_quantity", DecimalText.format(requested)), ("status", fill.exchangeStatus ?? "")]
            }
            self.output.print(
                json: Dictionary(uniqueKeysWithValues: fields),
                text: Table.render(header: ["FILLED", ""], rows: fields.map { [$0.0, $0.1] }))
        }
    }

    /// The exchange's preview with the agent's own limits added.
    static func preview(_ request: SellRequest, _ local: LocalState) async throws -> SellPreview {
        do {
            var preview = try await local.exchange.previewSell(request)
            preview.limitsHit += local.configuration.limits.violations(of: preview).map(\.code)
            return preview
        } catch {
            throw Failure.refused(error.description)
        }
    }

    static func json(_ preview: SellPreview) -> [String: Any] {
        [
            "asset": preview.asset, "quote_asset": preview.quoteAsset, "quantity": DecimalText.format(preview.quantity),
            "price": DecimalText.format(preview.price), "gross": DecimalText.format(preview.gross), "fee": DecimalText.format(preview.fee),
            "net": DecimalText.format(preview.net), "fee_rate": DecimalText.format(preview.feeRate),
            "available": DecimalText.format(preview.available), "limits_hit": preview.limitsHit,
        ]
    }

    static func text(_ preview: SellPreview) -> String {
        Table.render(
            header: ["PREVIEW", ""],
            rows: [
                ["asset", preview.asset], ["quantity", DecimalText.format(preview.quantity)],
                ["price", "\(DecimalText.format(preview.price)) \(preview.quoteAsset)"], ["gross", DecimalText.format(preview.gross)],
                ["fee", "\(DecimalText.format(preview.fee)) (\(DecimalText.format(preview.feeRate)))"],
                ["net", DecimalText.format(preview.net)],
                ["available", DecimalText.format(preview.available)],
                ["limits hit", preview.limitsHit.isEmpty ? "none" : preview.limitsHit.joined(separator: ", ")],
            ])
    }
}
