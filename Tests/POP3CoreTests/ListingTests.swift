import Testing
@testable import POP3Core

@Suite struct ListingTests {
    private func lines(_ text: [String]) -> [[UInt8]] { text.map { Array($0.utf8) } }

    /// The listing the client builds from these data lines as they arrive.
    private func parseUIDL(_ text: [String]) -> UIDLListing {
        var builder = UIDLListingBuilder()
        for line in lines(text) { line.withUnsafeBytes { builder.add(line: $0) } }
        return builder.listing
    }

    @Test func parsesUIDLWithQuirks() {
        let long = String(repeating: "u", count: 100)
        let listing = parseUIDL([
            "1 abc", "2   spaced-out", "3 \(long)", "4 abc", "5 has space inside ", "x nonsense",
            "6 bad\u{1}id", "7 " + String(repeating: "z", count: 600), "1 again",
        ])
        #expect(listing.entries.map(\.uidl) == ["abc", "spaced-out", long, "abc", "has space inside"])
        #expect(listing.overlongAccepted == 1)
        #expect(listing.rejected.count == 4)
    }

    /// Numbers out of order are accepted once each; a number seen before, in order or not, is rejected.
    @Test func numbersOutOfOrderAreCheckedForRepeats() {
        let listing = parseUIDL(["3 c", "1 a", "2 b", "1 again", "3 again", "5 e", "4 d", "5 again"])
        #expect(listing.entries.map(\.number) == [3, 1, 2, 5, 4])
        #expect(listing.rejected.map(\.reason) == ["message number 1 listed twice", "message number 3 listed twice",
                                                   "message number 5 listed twice"])
    }

    @Test func checksUIDLs() {
        #expect(ListingParser.check(uidl: "ok") == .valid)
        #expect(ListingParser.check(uidl: "") != .valid)
        #expect(ListingParser.check(uidl: String(repeating: "a", count: 71)) == .overlong)
        if case .invalid = ListingParser.check(uidl: "tab\there") {} else { Issue.record("control char accepted") }
    }

    @Test func parsesListAndStat() throws {
        #expect(ListingParser.parseList(lines: lines(["1 100", "2 200 extra", "junk"])) == [1: 100, 2: 200])
        let stat = try ListingParser.parseStat("2 320")
        #expect(stat.count == 2 && stat.size == 320)
        #expect(throws: POP3Error.self) { try ListingParser.parseStat("lots") }
    }

    @Test func parsesCapabilities() {
        let caps = Capabilities(lines: ["TOP", "uidl", "SASL PLAIN xoauth2", "LOGIN-DELAY 900", "IMPLEMENTATION Dovecot 2.3", "PIPELINING"])
        #expect(caps.has("UIDL") && caps.pipelining && !caps.stls)
        #expect(caps.saslMechanisms == ["PLAIN", "XOAUTH2"])
        #expect(caps.loginDelay == "900")
        #expect(caps.implementation == "Dovecot 2.3")
    }
}

/// A listing is bounded in lines, line length and bytes, however the pieces arrive.
@Suite struct ListingLimitTests {
    private func split(_ text: String, pieces: Int, limits: ListingLimits) -> ([String], String?) {
        var splitter = LineSplitter(limits: limits)
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + pieces)
            Array(bytes[index..<end]).withUnsafeBytes { splitter.add($0) { lines.append(String(decoding: $0, as: UTF8.self)) } }
            index = end
        }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        return (lines, splitter.failure)
    }

    @Test func everyLimitHolds() {
        let limits = ListingLimits(lines: 3, lineLength: 10, bytes: 40)
        for pieces in [1, 3, 100] {
            #expect(split("1 a\n2 b\n3 c\n", pieces: pieces, limits: limits) == (["1 a", "2 b", "3 c"], nil))
            #expect(split("1 a\n2 b\n3 c\n4 d\n", pieces: pieces, limits: limits).1?.contains("more than 3 lines") == true)
            #expect(split("1 aaaaaaaaaaaaa\n", pieces: pieces, limits: limits).1?.contains("longer than 10") == true)
            #expect(split(String(repeating: "1\n", count: 30), pieces: pieces, limits: ListingLimits(lines: 100, lineLength: 10, bytes: 40))
                .1?.contains("longer than 40 bytes") == true)
        }
    }
}
