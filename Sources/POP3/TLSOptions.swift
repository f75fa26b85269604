import Crypto
import NIOSSL

/// How the connection to the server is protected.
public enum TransportSecurity: String, Sendable, CaseIterable {
    /// TLS from the first byte (RFC 8314, usually port 995). Preferred.
    case implicit
    /// Plaintext connection upgraded with STLS (RFC 2595, usually port 110). Refused if not offered.
    case starttls
    /// No TLS at all. Credentials are still refused unless the account also sets `allow_plaintext_auth`.
    case none
}

/// Certificate checking. By default the system trust store (Debian's `/etc/ssl/certs`) and the
/// host name are checked. `caFile` replaces the system roots. A `fingerprint` (SHA-256 of the
/// server certificate's DER bytes) is compared after the handshake, before any credential is sent;
/// a pin without a CA file is the trust itself (as mpop's `tls_fingerprint`), so self-signed
/// servers can be used safely.
public struct TLSOptions: Sendable {
    public var caFile: String?
    public var fingerprint: [UInt8]?

    public init(caFile: String? = nil, fingerprint: [UInt8]? = nil) {
        self.caFile = caFile
        self.fingerprint = fingerprint
    }

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .file(caFile)
        } else if fingerprint != nil {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// What the TLS handshake established, for `popvault check` and the logs. The certificate's
/// subject and fingerprint are worked out when asked for: a nightly run reads neither, and
/// both cost the runtime's first type lookups (0.5 ms between the handshake and the login).
public struct TLSSessionInfo: Sendable, Equatable {
    public let version: String
    let certificate: NIOSSLCertificate

    public var certificateSubject: String { certificate.description }

    /// SHA-256 of the certificate's DER bytes, as `AB:CD:…`; nil if BoringSSL cannot encode them.
    public var fingerprint: String? {
        (try? Self.digest(of: certificate)).map(Fingerprint.format)
    }

    static func digest(of certificate: NIOSSLCertificate) throws -> [UInt8] {
        Array(SHA256.hash(data: try certificate.toDERBytes()))
    }
}
