/// `%XX` escaping with upper-case hex: the one spelling of account ids (`AccountIdentifier`)
/// and of the account and UIDL in member headers (`MemberMetadata`). A byte `keep` refuses
/// becomes `%` and two hex digits, so distinct inputs stay distinct and the result is ASCII.
public enum PercentEscaping {
    public static func escape(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(contentsOf: Hex.upperCaseDigits(byte))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `escape` stood for; a `%` not followed by two hex digits stays as it is.
    public static func unescape(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = Hex.value(of: bytes[index + 1]), let low = Hex.value(of: bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Hexadecimal digits of bytes.
public enum Hex {
    private static let upper = Array("0123456789ABCDEF".utf8)

    /// The two upper-case hex digits of `byte`, as ASCII bytes.
    public static func upperCaseDigits(_ byte: UInt8) -> [UInt8] {
        [upper[Int(byte >> 4)], upper[Int(byte & 0x0F)]]
    }

    /// `AB:CD:…`, the usual spelling of a certificate fingerprint.
    public static func colonSeparated(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(decoding: upperCaseDigits($0), as: UTF8.self) }.joined(separator: ":")
    }

    /// The value of one hex digit (either case), nil for any other byte.
    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Hex {
    private static let lower = Array("0123456789abcdef".utf8)

    /// Lower-case hex, the form in which the index and the member headers hold SHA-256 digests.
    public static func lowerCase(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(lower[Int(byte >> 4)])
            text.append(lower[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
