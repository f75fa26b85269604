import Escaping

/// The metadata a segment member carries in its gzip FEXTRA subfield (`SI1 SI2` = `P V`), so
/// the index can be rebuilt from segments alone. Encoded as `key=value` lines of ASCII with
/// fixed-width numeric fields, so the writer can reserve the space before it knows the hash
/// and fill it in afterwards. The account and UIDL are `%XX`-escaped (bytes below 0x20, from
/// 0x7F, `%` and `=`).
///
///     v=1            format version
///     k=blob|map     a stored message, or a mapping that adds no bytes
///     h=<64 hex>     SHA-256 of the canonical message
///     n=<20 digits>  canonical length in bytes
///     t=<20 digits>  archived time, Unix seconds
///     a=<account id>
///     u=<UIDL>
public struct MemberMetadata: Sendable, Equatable {
    public enum Kind: String, Sendable { case blob, map }

    public static let subfieldID: (UInt8, UInt8) = (UInt8(ascii: "P"), UInt8(ascii: "V"))
    public static let version = 1

    public var kind: Kind
    public var contentHash: String
    public var canonicalLength: Int
    public var archivedAt: Int
    public var account: String
    public var uidl: String

    public init(kind: Kind, contentHash: String, canonicalLength: Int, archivedAt: Int, account: String, uidl: String) {
        self.kind = kind
        self.contentHash = contentHash
        self.canonicalLength = canonicalLength
        self.archivedAt = archivedAt
        self.account = account
        self.uidl = uidl
    }

    /// A placeholder of the same encoded size, written before the hash and length are known.
    public static func placeholder(account: String, uidl: String, archivedAt: Int) -> MemberMetadata {
        MemberMetadata(kind: .blob, contentHash: String(repeating: "0", count: 64), canonicalLength: 0,
                       archivedAt: archivedAt, account: account, uidl: uidl)
    }

    public func encoded() -> [UInt8] {
        let text = "v=\(Self.version)\nk=\(kind.rawValue)\nh=\(contentHash)\nn=\(Self.padded(canonicalLength))\n"
            + "t=\(Self.padded(archivedAt))\na=\(Self.escape(account))\nu=\(Self.escape(uidl))\n"
        return Array(text.utf8)
    }

    public enum DecodeError: Error, Equatable { case malformed(String) }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> MemberMetadata {
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { throw .malformed("line without '='") }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard fields["v"] == "\(version)" else { throw .malformed("unknown metadata version \(fields["v"] ?? "none")") }
        guard let kind = fields["k"].flatMap(Kind.init(rawValue:)),
              let hash = fields["h"], isContentHash(hash),
              let length = fields["n"].flatMap(number), let time = fields["t"].flatMap(number),
              let account = fields["a"].map(unescape), let uidl = fields["u"].map(unescape) else {
            throw .malformed("missing or invalid field")
        }
        return MemberMetadata(kind: kind, contentHash: hash, canonicalLength: length, archivedAt: time, account: account, uidl: uidl)
    }

    /// Whether `text` is a SHA-256 as the vault writes it: 64 lower-case hex digits.
    public static func isContentHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A fixed-width field's value: digits only, and within what this machine counts.
    private static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private static func padded(_ value: Int) -> String {
        let digits = String(max(0, value))
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func escape(_ text: String) -> String {
        PercentEscaping.escape(text) { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "=") }
    }

    static func unescape(_ text: String) -> String {
        PercentEscaping.unescape(text)
    }
}
