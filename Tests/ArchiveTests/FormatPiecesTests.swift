import Testing
@testable import Archive

@Suite struct FormatPiecesTests {
    /// Quotes `text` fed in pieces of `piece` bytes; with `passingThrough`, the way
    /// `MemberEncoder` does: what `passThroughLength` allows as it is, the rest through `quote`.
    private func quote(_ text: String, piece: Int, passingThrough: Bool = false) -> String {
        var quoter = MboxrdQuoter()
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + piece)
            bytes[i..<end].withUnsafeBytes { raw in
                let unchanged = passingThrough ? quoter.passThroughLength(raw) : 0
                out.append(contentsOf: raw[0..<unchanged])
                quoter.quote(UnsafeRawBufferPointer(rebasing: raw[unchanged...]), into: &out)
            }
            i = end
        }
        quoter.finish(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func unquote(_ text: String, piece: Int) -> String {
        var unquoter = MboxrdUnquoter()
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + piece)
            bytes[i..<end].withUnsafeBytes { unquoter.unquote($0, into: &out) }
            i = end
        }
        unquoter.finish(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Lines of base64 around the cases, so that the 32-byte comparisons meet them at every
    /// offset and at the end of a piece.
    @Test func passingLinesThroughQuotesAsByteByByteQuotingDoes() {
        let filler = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xt\n", count: 3)
        let cases = ["From a\n", "x From b\n", ">From c\n", ">>From d\n", "Fro\n", "From\n", ">Fr\n", "> From e\n",
                     "Frobnicate\n", ">>>\n", "F\n", ">\n"]
        for shift in 0..<34 {
            let text = String(repeating: "y", count: shift) + "\n" + cases.map { filler + $0 }.joined() + filler + "From "
            for piece in [1, 7, 31, 32, 33, 64, 65, 100, 1000, text.utf8.count] {
                #expect(quote(text, piece: piece, passingThrough: true) == quote(text, piece: 1), "shift \(shift), piece \(piece)")
            }
        }
    }

    @Test func mboxrdQuotingRoundTripsAtEverySplit() {
        let original = "From a\nx From b\n>From c\n>>From d\nFro\nFrom\n>Fr\n> From e\nFrom "
        let expected = ">From a\nx From b\n>>From c\n>>>From d\nFro\nFrom\n>Fr\n> From e\n>From "
        for piece in 1...original.utf8.count {
            let quoted = quote(original, piece: piece)
            #expect(quoted == expected, "piece \(piece)")
            #expect(unquote(quoted, piece: piece) == original, "piece \(piece)")
        }
    }

    @Test func metadataRoundTripsWithFixedWidthPlaceholder() throws {
        let placeholder = MemberMetadata.placeholder(account: "wörk%1", uidl: "a b=c\u{7F}", archivedAt: 1_700_000_000)
        var final = placeholder
        final.contentHash = String(repeating: "ab", count: 32)
        final.canonicalLength = 123_456_789
        #expect(placeholder.encoded().count == final.encoded().count)
        let header = try #require(GzipHeader.encode(final))
        #expect(try #require(GzipHeader.encode(placeholder)).count == header.count)
        #expect(try MemberMetadata.decode(final.encoded()) == final)
        if case .parsed(let parsed) = GzipHeader.parse(header[...]) {
            #expect(parsed.metadata == final)
        } else {
            Issue.record("header did not parse")
        }
    }

    @Test func headerSummaryReadsFoldedFieldsAndDates() {
        let summary = HeaderSummary.parse(Array("From: A <a@x>\nSubject: one\n two\nDate: Tue, 2 Sep 2025 10:11:12 +0200\n\nbody".utf8))
        #expect(summary.subject == "one two")
        #expect(summary.from == "A <a@x>")
        #expect(summary.dateTime == 1_756_800_672)
        #expect(HeaderSummary.parse(Array("garbage".utf8)).subject == nil)
    }
}
