@testable import Archive
import Testing

@Suite struct VaultMarkerTests {
    @Test func formatAndIdAreReadWhateverTheSpacing() {
        let text = "# popvault vault. Format: FORMAT.md\nformat = 1\nid = \"3f2a\"\n"
        #expect(VaultDirectory.parseMarker(text)! == (1, "3f2a"))
        #expect(VaultDirectory.parseMarker("format=2\n\tid=\t\"x y\" \n")! == (2, "x y"))
    }

    @Test func commentsAndOtherLinesAreSkipped() {
        #expect(VaultDirectory.parseMarker("# format = 9\nformat = 1\nnoise\nother = 3\n")! == (1, ""))
    }

    @Test func aMarkerWithoutAFormatIsRefused() {
        #expect(VaultDirectory.parseMarker("id = \"abc\"\n") == nil)
        #expect(VaultDirectory.parseMarker("format = one\n") == nil)
    }
}
