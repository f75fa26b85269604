import Foundation

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

    /// Runs of white space (and control characters) as one space, cut at `maximumBytes` of UTF-8.
    private static func collapse(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var bytes = 0
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) {
                pendingSpace = !out.isEmpty
                continue
            }
            let size = String(scalar).utf8.count + (pendingSpace ? 1 : 0)
            guard bytes + size <= maximumBytes else { break }
            if pendingSpace { out.append(" ") }
            out.append(scalar)
            bytes += size
            pendingSpace = false
        }
        return String(out)
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
/// the commonest entities turned back into characters. Enough for a search index.
enum HTMLText {
    static func strip(_ html: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        var skipping: String?
        for character in html {
            if inTag {
                if character == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "\t" }).first.map(String.init) ?? ""
                    if let skipped = skipping {
                        if tag.lowercased().hasPrefix("/" + skipped) { skipping = nil }
                    } else if name == "style" || name == "script" {
                        skipping = name
                    }
                    out += " "
                } else if tag.count < 64 {
                    tag.append(character)
                }
            } else if character == "<" {
                inTag = true
                tag = ""
            } else if skipping == nil {
                out.append(character)
            }
        }
        for (entity, value) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingAll(entity, with: value)
        }
        return out
    }
}

private extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
