/// Turns an account name into an identifier safe as a directory name and in metrics labels:
/// letters, digits, `-` and `_` pass; every other byte (including `/`, `.` and spaces) becomes
/// `%XX`. Escaping instead of replacing keeps distinct names distinct (`a/b` ≠ `a_b`, the
/// collision getmail's substitution has).
public enum AccountIdentifier {
    public static func make(from name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let isSafe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            if isSafe {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
