import Escaping

/// Turns an account name into an identifier safe as a directory name and in metrics labels:
/// letters, digits, `-` and `_` pass; every other byte (including `/`, `.` and spaces) becomes
/// `%XX`. Escaping instead of replacing keeps distinct names distinct (`a/b` ≠ `a_b`, the
/// collision getmail's substitution has).
public enum AccountIdentifier {
    public static func make(from name: String) -> String {
        PercentEscaping.escape(name, keeping: isSafe)
    }

    /// Whether `id` is one `make` can produce: only safe bytes and `%XX`, never empty.
    public static func isWellFormed(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { isSafe($0) || $0 == UInt8(ascii: "%") } && PercentEscaping.escape(PercentEscaping.unescape(id), keeping: isSafe) == id
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
