/// The first few KB of a message's readable text, for the search index: the first text/plain
/// part (else the first text/html, without its tags), its transfer encoding and charset
/// decoded, white space collapsed. Only the part of the message at hand (the prefix the writer
/// keeps) is looked at; nested multiparts are followed a few levels deep. Pure and linear.
enum BodyText {
    static let maximumBytes = 4096
    /// How much of the body is looked at: text parts come first in real mail.
    static let scannedBytes = 16 * 1024
    static let maximumDepth = 4

    static func extract(body: ArraySlice<UInt8>, headers: HeaderFields) -> String? {
        guard let raw = text(of: body, headers: headers, depth: 0) else { return nil }
        let collapsed = collapse(raw)
        return collapsed.isEmpty ? nil : collapsed
    }

    private static func text(of body: ArraySlice<UInt8>, headers: HeaderFields, depth: Int) -> String? {
        let type = ContentType(headers.first("content-type"))
        if type.mediaType.hasPrefix("multipart/") {
            guard depth < maximumDepth, let boundary = type.parameters["boundary"], !boundary.isEmpty else { return nil }
            let parts = MultipartSplitter.parts(of: body, boundary: Array(boundary.utf8)).map { part -> (HeaderFields, ArraySlice<UInt8>) in
                let fields = HeaderFields(part)
                return (fields, part.dropFirst(fields.bodyStart))
            }
            for wanted in ["text/plain", "text/html", "multipart/"] {
                for (fields, partBody) in parts where ContentType(fields.first("content-type")).mediaType.hasPrefix(wanted) {
                    if let found = text(of: partBody, headers: fields, depth: depth + 1) { return found }
                }
            }
            return nil
        }
        guard type.mediaType == "text/plain" || type.mediaType == "text/html" else { return nil }
        let encoding = headers.first("content-transfer-encoding")?.lowercased() ?? ""
        let bytes: [UInt8]
        switch encoding {
        case "base64": bytes = TransferEncoding.base64(body)
        case "quoted-printable": bytes = TransferEncoding.quotedPrintable(body)
        default: bytes = Array(body)
        }
        let decoded = Charset.decode(bytes, charset: type.parameters["charset"] ?? "us-ascii")
        return type.mediaType == "text/html" ? HTMLText.strip(decoded) : decoded
    }

    /// Runs of white space and control characters as one space, cut at `maximumBytes` of UTF-8
    /// (at a character's boundary). Works on the UTF-8 bytes: per character, Unicode property
    /// lookups and a string each made this the most expensive step of storing a small message.
    static func collapse(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(min(text.utf8.count, maximumBytes))
        var pendingSpace = false
        for byte in text.utf8 {
            if byte <= 0x20 || byte == 0x7F {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                guard out.count + 1 < maximumBytes else { break }
                out.append(0x20)
                pendingSpace = false
            }
            guard out.count < maximumBytes else { break }
            out.append(byte)
        }
        // A character cut in two at the end is dropped whole.
        if let lead = out.lastIndex(where: { $0 & 0xC0 != 0x80 }), out[lead] >= 0xC0 {
            let length = out[lead] >= 0xF0 ? 4 : out[lead] >= 0xE0 ? 3 : 2
            if out.count - lead < length { out.removeSubrange(lead...) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The parts of a multipart body (RFC 2046 §5.1): what lies between lines `--boundary`, up to
/// `--boundary--` or the end of the bytes at hand.
enum MultipartSplitter {
    static func parts(of body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>] {
        let delimiter = [UInt8(ascii: "-"), UInt8(ascii: "-")] + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex, body[lineEnd] != 10 { lineEnd += 1 }
            let line = body[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                if let start = partStart { parts.append(body[start..<max(start, lineStart - 1)]) }
                let rest = line.dropFirst(delimiter.count)
                if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return parts }
                partStart = min(lineEnd + 1, body.endIndex)
            }
            lineStart = lineEnd + 1
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }
}

/// The text of HTML, roughly: tags dropped, with what `style` and `script` elements hold, and
/// the commonest entities turned back into characters. Enough for a search index. One pass over
/// the UTF-8 bytes.
enum HTMLText {
    private static let entities: [(name: [UInt8], value: [UInt8])] = [
        ("nbsp;", " "), ("lt;", "<"), ("gt;", ">"), ("quot;", "\""), ("#39;", "'"), ("amp;", "&"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    static func strip(_ html: String) -> String {
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var index = 0
        var skippingUntil: [UInt8]?
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                var end = index + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: ">") { end += 1 }
                let name = bytes[(index + 1)..<end].prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != UInt8(ascii: "/") }
                    .map { $0 | 0x20 }
                if let closing = skippingUntil {
                    if bytes[(index + 1)..<end].map({ $0 | 0x20 }).starts(with: closing) { skippingUntil = nil }
                } else if name == Array("style".utf8) || name == Array("script".utf8) {
                    skippingUntil = Array("/".utf8) + name
                }
                out.append(0x20)
                index = end + 1
                continue
            }
            if skippingUntil == nil {
                if byte == UInt8(ascii: "&"), let entity = entities.first(where: { bytes[(index + 1)...].starts(with: $0.name) }) {
                    out.append(contentsOf: entity.value)
                    index += 1 + entity.name.count
                    continue
                }
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
