extension Sequence<UInt8> {
    /// Lower-case hex, the form in which the index and the member headers hold SHA-256 digests.
    /// (`String(format:)` per byte went through Foundation and cost more than the hashing.)
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
