import Foundation

/// The order of UIDLs byte by byte, the order of SQLite's BINARY collation, in which the index
/// hands them out (`VaultIndex.archivedMailbox`). Swift's `<` on strings compares Unicode
/// scalars after normalisation, which can disagree with it for non-ASCII ids.
public enum UIDLOrder {
    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0, let left = x.baseAddress, let right = y.baseAddress {
                    let order = memcmp(left, right, common)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
    }
}
