/// The first line of a server reply: `+OK text`, `-ERR [CODE] text`, or a SASL challenge `+ data`.
public struct StatusLine: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case ok, err, challenge }

    public let kind: Kind
    public let code: ResponseCode?
    /// The text after the status indicator (and after the response code, if any).
    public let text: String
    /// Whether the line ended in a bare LF rather than CRLF (a non-conforming server).
    public let endedWithBareLF: Bool

    public init(kind: Kind, code: ResponseCode? = nil, text: String, endedWithBareLF: Bool = false) {
        self.kind = kind
        self.code = code
        self.text = text
        self.endedWithBareLF = endedWithBareLF
    }

    public var isOK: Bool { kind == .ok }

    public var description: String {
        switch kind {
        case .ok: return "+OK \(text)"
        case .challenge: return "+ \(text)"
        case .err: return "-ERR" + (code.map { " \($0)" } ?? "") + (text.isEmpty ? "" : " \(text)")
        }
    }

    /// Parses one line without its line end. Servers must send `+OK`/`-ERR` in upper case;
    /// we accept any case, as fetchmail and mpop do.
    public static func parse(_ line: [UInt8], endedWithBareLF: Bool = false) throws(POP3Error) -> StatusLine {
        let text = String(decoding: line, as: UTF8.self)
        let upper = text.uppercased()
        if upper.hasPrefix("+OK") {
            return StatusLine(kind: .ok, text: trimmedRest(text, droppingFirst: 3), endedWithBareLF: endedWithBareLF)
        }
        if upper.hasPrefix("-ERR") {
            let rest = trimmedRest(text, droppingFirst: 4)
            let (code, message) = splitResponseCode(rest)
            return StatusLine(kind: .err, code: code, text: message, endedWithBareLF: endedWithBareLF)
        }
        if text == "+" || text.hasPrefix("+ ") {
            return StatusLine(kind: .challenge, text: trimmedRest(text, droppingFirst: 1), endedWithBareLF: endedWithBareLF)
        }
        throw .protocolViolation("expected +OK or -ERR, got \(printable(text, limit: 80))")
    }

    private static func trimmedRest(_ text: String, droppingFirst count: Int) -> String {
        let rest = text.dropFirst(count)
        return String(rest.drop(while: { $0 == " " }))
    }

    private static func splitResponseCode(_ rest: String) -> (ResponseCode?, String) {
        guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]") else { return (nil, rest) }
        let code = rest[rest.index(after: rest.startIndex)..<close]
        let message = rest[rest.index(after: close)...].drop(while: { $0 == " " })
        return (ResponseCode(String(code)), String(message))
    }
}

/// Renders server-controlled text safely for a log line or an error: control characters are
/// escaped and the text is cut at `limit` characters.
public func printable(_ text: String, limit: Int = 200) -> String {
    var out = ""
    for scalar in text.unicodeScalars.prefix(limit) {
        if scalar.value < 0x20 || scalar.value == 0x7F {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            out += hex.count < 2 ? "\\x0" + hex : "\\x" + hex
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    if text.unicodeScalars.count > limit { out += "…" }
    return "\"\(out)\""
}
