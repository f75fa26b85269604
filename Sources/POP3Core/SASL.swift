import Foundation

/// Builders for the SASL payloads the client sends (already base64-encoded).
public enum SASL {
    /// RFC 4616 PLAIN: `authzid NUL authcid NUL password`, with an empty authzid.
    public static func plain(user: String, password: String) -> String {
        base64([0] + Array(user.utf8) + [0] + Array(password.utf8))
    }

    /// Google's and Microsoft's XOAUTH2: `user=U ^A auth=Bearer T ^A ^A`.
    public static func xoauth2(user: String, token: String) -> String {
        base64(Array("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8))
    }

    /// RFC 7628 OAUTHBEARER with a GS2 header naming the user, and the host and port.
    public static func oauthBearer(user: String, token: String, host: String, port: Int) -> String {
        let gs2User = user.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
        return base64(Array("n,a=\(gs2User),\u{1}host=\(host)\u{1}port=\(port)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8))
    }

    /// What the client answers to a `+` error challenge after a failed OAuth exchange so that the
    /// server sends its final `-ERR` (RFC 7628 §3.2.3: a dummy `^A`; XOAUTH2: an empty line).
    public static func errorChallengeAnswer(for mechanism: String) -> String {
        mechanism.uppercased() == "OAUTHBEARER" ? "AQ==" : ""
    }

    /// Whether `AUTH mechanism initial-response` fits the 255-octet command limit (RFC 5034 §4);
    /// if not, the response is sent after the server's first `+`.
    public static func initialResponseFits(mechanism: String, response: String) -> Bool {
        "AUTH \(mechanism) \(response)\r\n".utf8.count <= POP3Command.maximumCommandLength
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}

/// The `<timestamp>` of an APOP greeting (RFC 1939 §7). It must look like an RFC 822 msg-id
/// (`<…@…>`), as fetchmail and mpop insist since CVE-2007-1558.
public enum APOPChallenge {
    public static func timestamp(inGreeting text: String) -> String? {
        guard let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") else { return nil }
        let stamp = String(text[open...close])
        let inner = stamp.dropFirst().dropLast()
        guard inner.contains("@"), !inner.contains(" "), !inner.contains("<"),
              inner.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        return stamp
    }
}
