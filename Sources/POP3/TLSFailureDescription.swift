import NIOSSL
import POP3Core

/// Turns a TLS error from NIOSSL/BoringSSL into a sentence a user can act on.
enum TLSFailureDescription {
    static func error(for error: Error, host: String) -> POP3Error {
        let text = String(describing: error)
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .tlsFailure("the certificate of \(host) is issued for another name (hostname mismatch); "
                + "connect with the name the certificate carries")
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return .tlsFailure("the certificate of \(host) is not trusted: self-signed, from an unknown CA, or expired "
                + "(name the CA with ca_file, or pin the certificate with tls_fingerprint)")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return .tlsFailure("\(host) did not answer with TLS: is this a plaintext port? "
                + "(port 110 takes tls = \"starttls\"; port 995 takes tls = \"implicit\")")
        }
        return .tlsFailure("handshake with \(host) failed: \(text)")
    }
}
