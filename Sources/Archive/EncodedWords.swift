import Escaping

/// Decodes RFC 2047 encoded words in a header field (`=?charset?B?…?=`, `=?charset?Q?…?=`),
/// joining adjacent words, as mail readers do. Lenient where real mail is broken (words inside
/// other text, lower-case encodings, a language suffix on the charset), and linear: a word is
/// looked for at most `maximumWordLength` bytes ahead, so no input can make it rescan.
enum EncodedWords {
    static let maximumWordLength = 1000

    static func decode(_ field: String) -> String {
        let bytes = Array(field.utf8)
        guard bytes.count >= 8, field.contains("=?") else { return field }
        var out = ""
        var literal: [UInt8] = []
        /// Whitespace seen since the last encoded word: dropped if another word follows.
        var spaceAfterWord: [UInt8]?
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "="), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "?"),
               let (text, end) = word(bytes, at: index) {
                if spaceAfterWord == nil { out += String(decoding: literal, as: UTF8.self) }
                literal.removeAll()
                out += text
                spaceAfterWord = []
                index = end
                continue
            }
            let byte = bytes[index]
            if var space = spaceAfterWord {
                if byte == 32 || byte == 9 || byte == 13 || byte == 10 {
                    space.append(byte)
                    spaceAfterWord = space
                    index += 1
                    continue
                }
                literal.append(contentsOf: space)
                spaceAfterWord = nil
            }
            literal.append(byte)
            index += 1
        }
        if let space = spaceAfterWord { literal.append(contentsOf: space) }
        return out + String(decoding: literal, as: UTF8.self)
    }

    /// The decoded text of the word starting at `start` and the index after it, nil if none is there.
    private static func word(_ bytes: [UInt8], at start: Int) -> (String, Int)? {
        let limit = min(bytes.count, start + maximumWordLength)
        var index = start + 2
        let charsetStart = index
        while index < limit, bytes[index] != UInt8(ascii: "?") {
            if bytes[index] <= 32 { return nil }
            index += 1
        }
        guard index + 3 < limit, index > charsetStart, bytes[index + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: bytes[charsetStart..<index], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        let encoding = bytes[index + 1] | 0x20
        let textStart = index + 3
        index = textStart
        while index + 1 < limit, !(bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: "=")) {
            if bytes[index] == 10 || bytes[index] == 13 { return nil }
            index += 1
        }
        guard index + 1 < limit else { return nil }
        let text = Array(bytes[textStart..<index])
        let decoded: [UInt8]?
        switch encoding {
        case UInt8(ascii: "b"): decoded = TransferEncoding.base64(text)
        case UInt8(ascii: "q"): decoded = TransferEncoding.quotedPrintable(text, underscoreIsSpace: true)
        default: decoded = nil
        }
        guard let decoded else { return nil }
        return (Charset.decode(decoded, charset: charset), index + 2)
    }
}

/// The content transfer encodings of MIME (RFC 2045), decoded leniently: characters that do
/// not belong are skipped, never an error.
enum TransferEncoding {
    static func base64(_ text: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): return out
            default: continue
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }

    static func quotedPrintable(_ text: some Collection<UInt8>, underscoreIsSpace: Bool = false) -> [UInt8] {
        let bytes = Array(text)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < bytes.count, let high = Hex.value(of: bytes[index + 1]), let low = Hex.value(of: bytes[index + 2]) {
                    out.append(high << 4 | low)
                    index += 3
                    continue
                }
                // A soft line break (`=` at a line end) joins the lines.
                var next = index + 1
                while next < bytes.count, bytes[next] == 32 || bytes[next] == 9 { next += 1 }
                if next < bytes.count, bytes[next] == 13 { next += 1 }
                if next < bytes.count, bytes[next] == 10 {
                    index = next + 1
                    continue
                }
            }
            out.append(underscoreIsSpace && byte == UInt8(ascii: "_") ? 32 : byte)
            index += 1
        }
        return out
    }
}
