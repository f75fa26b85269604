/// Text from outside (a server's replies, UIDLs, header fields, file names) made safe to print:
/// control characters (C0 but line feed and tab, DEL, C1) and the bidirectional-formatting
/// characters that can make a terminal show something other than what is there (U+202E and
/// its kin) are written as `\u{…}`. Everything else passes unchanged, in one pass.
public enum TerminalText {
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
