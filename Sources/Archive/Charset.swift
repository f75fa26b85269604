import Foundation

/// Text in a charset a message names (RFC 2047 words, MIME parts) turned into a Swift string.
/// UTF-8, US-ASCII and ISO-8859-1 are converted here; every other charset through glibc's
/// iconv, so any charset it knows works (Windows-1252, KOI8-R, Shift_JIS, GB18030, …). Bytes
/// that are not valid in the charset, and charsets iconv does not know, become U+FFFD for the
/// bad bytes and never an error: this text only feeds the search index and restore filters.
enum Charset {
    static func decode(_ bytes: [UInt8], charset name: String) -> String {
        let charset = normalized(name)
        switch charset {
        case "", "UTF-8", "UTF8", "US-ASCII", "ASCII":
            return String(decoding: bytes, as: UTF8.self)
        case "ISO-8859-1", "ISO8859-1", "LATIN1", "L1":
            var utf8: [UInt8] = []
            utf8.reserveCapacity(bytes.count + bytes.count / 4)
            for byte in bytes {
                if byte < 0x80 {
                    utf8.append(byte)
                } else {
                    utf8.append(0xC0 | byte >> 6)
                    utf8.append(0x80 | byte & 0x3F)
                }
            }
            return String(decoding: utf8, as: UTF8.self)
        default:
            return convert(bytes, from: charset) ?? String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The charset's name in upper case, reduced to the characters charset names use (a name
    /// from a message must not reach iconv with anything else), at most 40 of them.
    static func normalized(_ name: String) -> String {
        var out: [UInt8] = []
        for byte in name.utf8.prefix(40) {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(byte - 0x20)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"): out.append(byte)
            default: continue
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func convert(_ bytes: [UInt8], from charset: String) -> String? {
        #if canImport(Glibc)
        let descriptor = iconv_open("UTF-8", charset)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
        var result: [UInt8] = []
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = inputBuffer.baseAddress
                var inLeft = inputBuffer.count
                while inLeft > 0 {
                    var outPointer = outputBuffer.baseAddress
                    var outLeft = outputBuffer.count
                    let status = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let produced = outputBuffer.count - outLeft
                    result.append(contentsOf: UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: produced))
                    if status == -1 {
                        guard errno == EILSEQ || errno == EINVAL else { break }
                        result.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD for the byte iconv refused
                        inPointer = inPointer.map { $0 + 1 }
                        inLeft -= 1
                    }
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
        #else
        return nil
        #endif
    }
}
