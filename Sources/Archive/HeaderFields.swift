/// The header block of a message or MIME part (RFC 5322 §2.2): fields unfolded, names in
/// lower case, values as sent. Pure and linear; tolerant of anything (8-bit bytes, missing
/// colons, CR LF or LF line ends, a header without a body).
struct HeaderFields {
    private(set) var fields: [(name: String, value: String)] = []
    /// Where the body begins in the bytes parsed (after the empty line), or their end.
    let bodyStart: Int

    init(_ bytes: some RandomAccessCollection<UInt8>) {
        let bytes = Array(bytes)
        var lines: [(start: Int, end: Int)] = []
        var start = 0
        var bodyStart = bytes.count
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            let next = min(end + 1, bytes.count)
            var contentEnd = end
            if contentEnd > start, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
            if contentEnd == start {
                bodyStart = next
                break
            }
            lines.append((start, contentEnd))
            start = next
        }
        self.bodyStart = bodyStart
        for line in lines {
            let first = bytes[line.start]
            if first == 32 || first == 9 {
                if let last = fields.indices.last {
                    fields[last].value += " " + Self.trimmed(bytes[line.start..<line.end])
                }
            } else if let colon = bytes[line.start..<line.end].firstIndex(of: UInt8(ascii: ":")) {
                let name = String(decoding: bytes[line.start..<colon], as: UTF8.self).lowercased()
                fields.append((name.trimmingSpaces(), Self.trimmed(bytes[(colon + 1)..<line.end])))
            }
        }
    }

    /// The first field of this name (lower case), cut at `limit` characters.
    func first(_ name: String, limit: Int = 1000) -> String? {
        fields.first { $0.name == name }.map { String($0.value.prefix(limit)) }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingSpaces()
    }
}

extension String {
    /// Without spaces and tabs at either end.
    func trimmingSpaces() -> String {
        String(Substring(self).trimming { $0 == " " || $0 == "\t" })
    }
}

/// A `Content-Type` value: `type/subtype` in lower case and its parameters (names in lower
/// case, quotes removed).
struct ContentType {
    let mediaType: String
    let parameters: [String: String]

    init(_ value: String?) {
        guard let value else {
            mediaType = "text/plain"
            parameters = [:]
            return
        }
        var parts = value.split(separator: ";", omittingEmptySubsequences: false).map { String($0) }
        let type = parts.isEmpty ? "" : parts.removeFirst().trimmingSpaces().lowercased()
        mediaType = type.isEmpty ? "text/plain" : type
        var parameters: [String: String] = [:]
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmed(of: " \t").lowercased()
            var parameter = part[part.index(after: equals)...].trimmed(of: " \t")
            if parameter.hasPrefix("\""), parameter.hasSuffix("\""), parameter.count >= 2 {
                parameter = String(parameter.dropFirst().dropLast())
            }
            if parameters[name] == nil { parameters[name] = parameter }
        }
        self.parameters = parameters
    }
}

private extension Substring {
    func trimmed(of set: String) -> String {
        String(trimming { set.contains($0) })
    }
}
