/// Tells whether a piece of a message is base64 text (an encoded attachment): popvault then
/// deflates it with Huffman coding alone, several times faster than LZ77 and about as small,
/// since base64 of binary data has almost no repeated strings.
enum Base64Detector {
    /// Bytes that may appear in base64 lines: the alphabet, `=` padding and line ends.
    private static let alphabet: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n".utf8) { table[Int(byte)] = true }
        return table
    }()

    /// Looks at up to the first 4 KiB: all base64 characters and at least a few long lines.
    static func looksLikeBase64(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { looksLikeBase64($0) }
    }

    static func looksLikeBase64(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let sample = bytes.prefix(4096)
        guard sample.count >= 256 else { return false }
        var lineLength = 0
        var longLines = 0
        for byte in sample {
            guard alphabet[Int(byte)] else { return false }
            if byte == 10 {
                if lineLength >= 60 { longLines += 1 }
                lineLength = 0
            } else {
                lineLength += 1
            }
        }
        return longLines >= 2 || (longLines == 0 && lineLength == sample.count)
    }
}
