import Foundation
import Testing
import Wire

@Suite("UUID text and trimming")
struct UUIDTextTests {
    @Test func formattingMatchesFoundationLowercased() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(id.lowercased == id.uuidString.lowercased())
        }
    }

    @Test func parsingAcceptsBothCasesAndRejectsEverythingElse() {
        let id = UUID()
        #expect(UUID(text: id.uuidString) == id)
        #expect(UUID(text: id.lowercased) == id)
        for bad in [
            "", "not-a-uuid", String(id.lowercased.dropLast()), id.lowercased + "0", id.lowercased.replacingOccurrences(of: "-", with: ""),
            " " + id.lowercased, "g" + id.lowercased.dropFirst(), String(repeating: "a", count: 20_000),
        ] {
            #expect(UUID(text: bad) == nil, "\(bad.prefix(40))")
            #expect(UUID(uuidString: bad) == nil, "Foundation agrees: \(bad.prefix(40))")
        }
    }

    @Test func trimmingRemovesOnlyOuterSpacesAndTabs() {
        #expect("  a b\t".trimmedOfSpaces == "a b")
        #expect("\t\t".trimmedOfSpaces == "")
        #expect("".trimmedOfSpaces == "")
        #expect("x".trimmedOfSpaces == "x")
    }
}
