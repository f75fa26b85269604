import Foundation

/// The order of UIDLs byte by byte, the order of SQLite's BINARY collation, in which the index
/// hands them out (`VaultIndex.archivedMailbox`). Swift's `<` on strings compares Unicode
/// scalars after normalisation, which can disagree with it for non-ASCII ids.
public enum UIDLOrder {
    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// The same order on UTF-8 bytes.
    public static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let left = a.baseAddress, let right = b.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}
