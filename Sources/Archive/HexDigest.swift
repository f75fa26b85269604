import Escaping

extension Sequence<UInt8> {
    /// Lower-case hex, the form in which the index and the member headers hold SHA-256 digests.
    var lowercaseHex: String { Hex.lowerCase(self) }
}
