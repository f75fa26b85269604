@testable import Archive
import Testing

@Suite struct MessageDateTests {
    @Test func readsTheCurrentSyntaxWithAndWithoutWeekdayAndSeconds() {
        #expect(MessageDate.parse("Thu, 04 Sep 2025 10:00:00 +0200") == 1_756_972_800)
        #expect(MessageDate.parse("4 Sep 2025 10:00 +0200") == 1_756_972_800)
        #expect(MessageDate.parse("Thu,4 Sep 2025 02:00:00 -0600") == 1_756_972_800)
        #expect(MessageDate.parse("Tue, 29 Feb 2000 12:00:00 +0000") == 951_825_600)
        #expect(MessageDate.parse("Thu, 1 Jan 1970 00:00:00 +0000") == 0)
    }

    @Test func readsTheObsoleteForms() {
        #expect(MessageDate.parse("Mon, 1 Jan 2024 00:00:00 EST") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 Jan 2024 05:00:00 GMT") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 Jan 2024 05:00:00 UT") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 jan 24 05:00:00 z") == 1_704_085_200)
        #expect(MessageDate.parse("Fri, 31 Dec 99 23:59 +0000 (an old one)") == 946_684_740)
        #expect(MessageDate.parse("Fri, 31 Dec 099 23:59 +0000") == 946_684_740)
        #expect(MessageDate.parse("(sent) Fri, 31 (the last) Dec 1999 23:59:00 +0000") == 946_684_740)
    }

    /// Forms real mail has besides the RFC's: a zone name with an offset after it, an offset
    /// with a colon or in hours only, a day name without its comma, comments after the zone.
    @Test func readsWhatRealMailHas() {
        #expect(MessageDate.parse("Mon, 1 Jan 2024 06:00:00 GMT+0100") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 Jan 2024 06:00:00 +01:00") == 1_704_085_200)
        #expect(MessageDate.parse("1 Jan 2024 07:00 +02") == 1_704_085_200)
        #expect(MessageDate.parse("Monday 1 Jan 2024 05:00:00 +0000") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 Jan 2024 06:00:00 +0100 (CET)") == 1_704_085_200)
        #expect(MessageDate.parse("Mon, 1 Jan 2024 04:00:00 -0100 (a comment (nested))") == 1_704_085_200)
    }

    @Test func refusesWhatIsNotADate() {
        for text in ["", "garbage", "31 Foo 2024 10:00 +0000", "30 Feb 2024 10:00 +0000", "1 Jan 2024 25:00 +0000",
                     "1 Jan 2024 10:00 +123", "1 Jan 2024 10:00 +2500", "1 Jan 2024"] {
            #expect(MessageDate.parse(text) == nil, "\(text)")
        }
    }
}
