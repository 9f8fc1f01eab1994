import ServiceLifecycle

/// Several of the store's services run as one (each ends at graceful shutdown on its own).
package struct StoreServices: Service {
    package let services: [any Service]

    package init(_ services: any Service...) {
        self.services = services
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in self.services { group.addTask { try await service.run() } }
            try await group.waitForAll()
        }
    }
}
