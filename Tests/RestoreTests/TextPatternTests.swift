import Testing
@testable import Restore

@Suite struct TextPatternTests {
    @Test func substringsIgnoreCaseAndWildcardsMatchTheWholeField() {
        #expect(TextPattern("alice").matches("Alice Example <ALICE@example.org>"))
        #expect(!TextPattern("bob").matches("Alice <alice@example.org>"))
        #expect(TextPattern("*@example.org>").matches("Alice <alice@example.org>"))
        #expect(!TextPattern("*@example.org").matches("Alice <alice@example.org>"))
        #expect(TextPattern("re: ?eport*").matches("Re: Report for March"))
        #expect(TextPattern("*a*b*c*").matches("xxaxxbxxcxx") && !TextPattern("*a*b*c*").matches("xxcxxbxxaxx"))
        #expect(TextPattern("grüße").matches("Viele GRÜSSE") == false && TextPattern("grüße").matches("Liebe Grüße"))
        #expect(!TextPattern("x").matches(nil) && TextPattern("").matches(nil))
    }

    @Test func timesAreDaysOrMomentsInUTC() {
        #expect(TimeArgument("2024-01-31")?.start == 1_706_659_200 && TimeArgument("2024-01-31")?.end == 1_706_745_600)
        #expect(TimeArgument("2024-01-31T10:30")?.start == 1_706_697_000 && TimeArgument("2024-01-31 10:30:05Z")?.start == 1_706_697_005)
        for bad in ["", "2024", "2024-13-01", "2024-01-32", "31-01-2024", "2024-01-31T25:00", "2024-01-31Tnoon", "2024-1-31"] {
            #expect(TimeArgument(bad) == nil, "\(bad)")
        }
    }

    /// Account ids popvault makes are directory names as they are; anything else a vault holds
    /// (a path, dots, NUL, a name too long) is replaced, never used.
    @Test func hostileAccountIdsNeverBecomePaths() {
        #expect(RestoreLayout.directory(forAccount: "work", singleAccount: false) == "work")
        #expect(RestoreLayout.directory(forAccount: "home%2Fprivate", singleAccount: false) == "home%2Fprivate")
        #expect(RestoreLayout.directory(forAccount: "work", singleAccount: true) == nil)
        for hostile in ["..", ".", "../etc", "/etc/passwd", "a\u{0}b", String(repeating: "x", count: 300), "", "a b"] {
            let name = RestoreLayout.directory(forAccount: hostile, singleAccount: false)
            #expect(name?.hasPrefix("account-") == true && name?.count == 24, "\(hostile)")
        }
    }
}
