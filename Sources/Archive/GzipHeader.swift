/// The gzip member header popvault writes (RFC 1952): magic, CM=8 (deflate), FLG=FEXTRA,
/// MTIME, XFL=0, OS=3 (Unix), then XLEN and one subfield `PV` holding `MemberMetadata`.
enum GzipHeader {
    static let magic: [UInt8] = [0x1F, 0x8B, 0x08, 0x04]
    /// Fixed part (10) + XLEN (2) + subfield id and length (4).
    static let fixedLength = 16
    /// The most metadata one subfield holds: XLEN is 16 bits and includes the subfield's 4-byte head.
    static let maximumPayload = 65_535 - 4

    /// The header for `metadata`; nil when its encoded metadata does not fit a gzip header
    /// (which a writer prevents by bounding the account and UIDL, and a reader meets only in a
    /// tampered member).
    static func encode(_ metadata: MemberMetadata) -> [UInt8]? {
        let payload = metadata.encoded()
        guard payload.count <= maximumPayload else { return nil }
        let subfieldLength = UInt16(payload.count)
        let xlen = subfieldLength + 4
        let mtime = UInt32(truncatingIfNeeded: metadata.archivedAt)
        var header: [UInt8] = magic
        header += [UInt8(mtime & 0xFF), UInt8((mtime >> 8) & 0xFF), UInt8((mtime >> 16) & 0xFF), UInt8(mtime >> 24)]
        header += [0x00, 0x03]
        header += [UInt8(xlen & 0xFF), UInt8(xlen >> 8)]
        header += [MemberMetadata.subfieldID.0, MemberMetadata.subfieldID.1, UInt8(subfieldLength & 0xFF), UInt8(subfieldLength >> 8)]
        return header + payload
    }

    struct Parsed {
        let metadata: MemberMetadata
        /// Header length: where the deflate data begins, relative to the member start.
        let length: Int
    }

    enum ParseResult {
        case parsed(Parsed)
        case needMoreBytes(Int)
        case invalid(String)
    }

    /// Parses a header from the start of `bytes`.
    static func parse(_ bytes: ArraySlice<UInt8>) -> ParseResult {
        guard bytes.count >= 12 else { return .needMoreBytes(12) }
        let b = Array(bytes.prefix(12))
        guard b[0] == 0x1F, b[1] == 0x8B else { return .invalid("no gzip magic") }
        guard b[2] == 0x08 else { return .invalid("compression method \(b[2]) is not deflate") }
        guard b[3] == 0x04 else { return .invalid("header flags \(b[3]) are not FEXTRA alone") }
        let xlen = Int(b[10]) | Int(b[11]) << 8
        guard bytes.count >= 12 + xlen else { return .needMoreBytes(12 + xlen) }
        let extra = Array(bytes.dropFirst(12).prefix(xlen))
        var position = 0
        while position + 4 <= extra.count {
            let length = Int(extra[position + 2]) | Int(extra[position + 3]) << 8
            guard position + 4 + length <= extra.count else { return .invalid("FEXTRA subfield overruns XLEN") }
            if extra[position] == MemberMetadata.subfieldID.0 && extra[position + 1] == MemberMetadata.subfieldID.1 {
                do {
                    let metadata = try MemberMetadata.decode(extra[(position + 4)..<(position + 4 + length)])
                    return .parsed(Parsed(metadata: metadata, length: 12 + xlen))
                } catch {
                    return .invalid("popvault metadata unreadable: \(error)")
                }
            }
            position += 4 + length
        }
        return .invalid("no popvault (PV) subfield")
    }
}
