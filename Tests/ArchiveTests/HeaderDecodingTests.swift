import Foundation
import GRDB
import TestSupport
import Testing
@testable import Archive

/// What the index keeps of a message's header and text: decoded as a mail reader shows them.
@Suite struct HeaderDecodingTests {
    @Test func encodedWordsAreDecodedInAnyCharsetAndJoined() {
        #expect(EncodedWords.decode("=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=") == "Grüße aus Köln")
        #expect(EncodedWords.decode("=?iso-8859-1?q?R=E9sum=E9?= for =?ISO-8859-1?Q?J=F6rg?=") == "Résumé for Jörg")
        #expect(EncodedWords.decode("=?windows-1252?Q?=93Quoted=94_text_=80?=") == "“Quoted” text €")
        #expect(EncodedWords.decode("=?UTF-8?Q?Hello?=  \r\n =?UTF-8?Q?_World?=") == "Hello World")
        #expect(EncodedWords.decode("=?KOI8-R?B?8NLJ18XU?=") == "Привет")
        #expect(EncodedWords.decode("=?utf-8*en?q?language_tag?=") == "language tag")
        #expect(EncodedWords.decode("not =?encoded and =?x?y?z?= left as is") == "not =?encoded and =?x?y?z?= left as is")
        #expect(EncodedWords.decode("=?no-such-charset?Q?abc?=") == "abc")
        let many = String(repeating: "=?", count: 50_000)
        #expect(EncodedWords.decode(many) == many, "a field of unfinished words is read in linear time and kept")
    }

    @Test func headerFieldsAreUnfoldedAndDecoded() {
        let message = Array("""
            From: =?ISO-8859-1?Q?Bj=F6rn?=
             <bjorn@example.net>
            To: a@example.org,\r
            \tb@example.org
            Subject: =?UTF-8?Q?caf=C3=A9?= menu
            Date: 15 Feb 2024 12:00 GMT+0100 (CET)
            Message-ID: <1@example.net>

            body
            """.utf8)
        let summary = HeaderSummary.parse(message)
        #expect(summary.from == "Björn <bjorn@example.net>" && summary.to == "a@example.org, b@example.org")
        #expect(summary.subject == "café menu" && summary.messageID == "<1@example.net>")
        #expect(summary.dateTime == 1_707_994_800)
        #expect(summary.body == "body")
    }

    /// The start of the text: the first text/plain part of a multipart, its transfer encoding
    /// and charset decoded, else an HTML part without its tags; white space collapsed.
    @Test func bodyTextIsTheFirstTextPartDecoded() {
        let alternative = Array("""
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Gr=FC=DFe, the   quarterly=
             report
            --inner
            Content-Type: text/html

            <p>ignored</p>
            --inner--
            --outer
            Content-Type: application/pdf
            Content-Transfer-Encoding: base64

            JVBERi0xLjQK
            --outer--
            """.utf8)
        #expect(HeaderSummary.parse(alternative).body == "Grüße, the quarterly report")
        let html = Array("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
            .utf8) + Array(Data("<html><style>p {}</style><p>Ol&aacute; <b>mundo</b> &amp; more</p></html>".utf8).base64EncodedString().utf8)
        #expect(HeaderSummary.parse(html).body == "Ol&aacute; mundo & more")
        #expect(HeaderSummary.parse(Array("Content-Type: image/png\n\nabc".utf8)).body == nil)
    }

    /// An index written before migration v5 (raw header fields, the old search table) gets its
    /// fields derived again from the stored messages when a writer opens it.
    @Test func migrationFiveDerivesTheFieldsOfAnExistingVault() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let message = Array("From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>\nSubject: =?UTF-8?B?w6l0w6k=?=\nDate: 1 Jul 24 10:00 GMT+0200\n\nsummer\n".utf8)
        let hash = try VaultFixture.store([("u1", message)], in: Vault(at: root, create: true))[0].contentHash
        let database = try DatabaseQueue(path: root + "/index.sqlite")
        try database.write { db in
            try db.execute(sql: """
                DROP TABLE messageText;
                CREATE VIRTUAL TABLE messageSearch USING fts5(fromAddress, toAddress, subject, content='message', content_rowid='rowid');
                CREATE TRIGGER "__messageSearch_ai" AFTER INSERT ON message BEGIN
                    INSERT INTO messageSearch(rowid, fromAddress, toAddress, subject) VALUES (new.rowid, new.fromAddress, new.toAddress, new.subject);
                END;
                ALTER TABLE account ADD COLUMN completeListingDigest BLOB;
                ALTER TABLE account ADD COLUMN completeListingCount INTEGER;
                ALTER TABLE account ADD COLUMN completeListingSize INTEGER;
                ALTER TABLE account ADD COLUMN completeListingDuplicates INTEGER;
                CREATE TRIGGER mailboxEntry_removal_forgets_complete_listing AFTER DELETE ON mailboxEntry BEGIN SELECT 1; END;
                CREATE TRIGGER mailboxEntry_change_forgets_complete_listing AFTER UPDATE ON mailboxEntry BEGIN SELECT 1; END;
                UPDATE message SET fromAddress = '=?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>', subject = '=?UTF-8?B?w6l0w6k=?=', dateTime = NULL;
                DELETE FROM grdb_migrations WHERE identifier = 'v5';
                """)
        }
        try database.close()
        let vault = try Vault(at: root)
        let record = try #require(try vault.index.message(hash))
        #expect(record.subject == "été" && record.fromAddress == "Zoë <zoe@example.org>" && record.dateTime == 1_719_820_800)
        var filter = MessageFilter()
        filter.query = "summer AND zoe"
        #expect(try vault.index.messages(matching: filter).map(\.record.contentHash) == [hash])
    }
}

/// The collapsed text keeps whole characters, at most its byte budget.
@Suite struct BodyTextCollapseTests {
    @Test func whiteSpaceRunsBecomeOneSpaceAndCutsKeepWholeCharacters() {
        #expect(BodyText.collapse("  a\t\r\n b\u{1}c  ") == "a b c")
        let long = String(repeating: "é", count: 3000)
        let cut = BodyText.collapse(long)
        #expect(cut.utf8.count <= BodyText.maximumBytes && cut.allSatisfy { $0 == "é" } && cut.count == BodyText.maximumBytes / 2)
        let odd = "x" + String(repeating: "€", count: 2000)
        #expect(BodyText.collapse(odd).utf8.count <= BodyText.maximumBytes && BodyText.collapse(odd).dropFirst().allSatisfy { $0 == "€" })
    }
}
