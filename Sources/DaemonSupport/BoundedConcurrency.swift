/// The one loop behind every bounded fan-out (bulk actions, reconciliation lookups, the CLI's
/// per-agent calls): `body` runs for each element `next()` yields, at most `limit` at a time —
/// never one after another, never all at once. `onResult` sees every result on the calling task
/// and returns false to start no more (elements already started still finish). Returns once
/// every started body has.
public func withBoundedConcurrency<Element: Sendable, Result: Sendable>(
    limit: Int,
    next: () async -> Element?,
    _ body: @escaping @Sendable (Element) async -> Result,
    onResult: (Result) -> Bool = { _ in true }
) async {
    await withTaskGroup(of: Result.self) { group in
        var running = 0
        var proceeding = true
        while proceeding {
            if running >= max(1, limit) {
                guard let result = await group.next() else { break }
                running -= 1
                proceeding = onResult(result)
                continue
            }
            guard let element = await next() else { break }
            group.addTask { await body(element) }
            running += 1
        }
        while let result = await group.next() { _ = onResult(result) }
    }
}

extension Collection where Element: Sendable {
    /// `body` for every element, at most `limit` at a time, with the results in the
    /// collection's order. `proceed` is asked after each result whether to start more; the
    /// elements never started get nil.
    public func concurrentMap<T: Sendable>(
        limit: Int, proceed: (T) -> Bool = { _ in true }, _ body: @escaping @Sendable (Element) async -> T
    ) async -> [T?] {
        var results = [T?](repeating: nil, count: self.count)
        var remaining = Array(self.enumerated()).makeIterator()
        await withBoundedConcurrency(
            limit: limit,
            next: { remaining.next().map { (offset: $0.offset, element: $0.element) } },
            { item in (item.offset, await body(item.element)) },
            onResult: { (offset: Int, result: T) in
                results[offset] = result
                return proceed(result)
            }
        )
        return results
    }
}

extension AsyncSequence where Element: Sendable {
    /// `body` for every element as it arrives, at most `limit` at a time, until the sequence
    /// ends (or throws, which ends the loop) and every body has returned.
    public func forEachConcurrently(limit: Int, _ body: @escaping @Sendable (Element) async -> Void) async {
        var iterator = self.makeAsyncIterator()
        await withBoundedConcurrency(limit: limit, next: { try? await iterator.next() }, body)
    }
}
