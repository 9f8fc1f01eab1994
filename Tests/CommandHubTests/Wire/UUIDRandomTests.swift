import Foundation
import Testing
import Wire

@Suite("UUID.random")
struct UUIDRandomTests {
    @Test func idsAreVersion4VariantOneAndDistinctAcrossPoolRefills() {
        let ids = (0..<1_000).map { _ in UUID.random() }  // four refills of the 4 KB pool
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = id.uuid
            #expect(bytes.6 >> 4 == 4, "version 4: \(id)")
            #expect(bytes.8 >> 6 == 0b10, "variant 10: \(id)")
            #expect(UUID(uuidString: id.uuidString) == id)
        }
    }
}
