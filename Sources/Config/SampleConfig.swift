/// The commented configuration `popvault init` writes.
public enum SampleConfig {
    public static func text(vault: String) -> String {
        """
        # popvault configuration. Reference: README.md, section "Configuration".
        # Keep this file private (chmod 600): password_command runs with your rights.

        # Where the archive lives: compressed segments, an SQLite index, vault.toml.
        vault = "\(vault)"

        # Your own retention policy files, besides the presets in Policies/ (optional).
        # policies = "~/.config/popvault/policies"

        [defaults]
        parallel = 4                    # accounts fetched at once
        per_host_connections = 2        # connections at once to one server
        policy = "keep-everything"      # a preset name or a file in `policies`
        # max_deletes_per_run = 500     # a cap on server deletions per account and run
        # connect_timeout = 30          # seconds
        # reply_timeout = 180           # seconds without a byte from the server
        # retries = 3                   # attempts per account for "in use", "login delay", network errors
        # account_time_limit = 14400    # seconds for one account, enforced inside a message too
        # stop_grace = 10               # seconds the messages in flight get after SIGTERM
        # secret_timeout = 60           # seconds a password_command may take
        # max_message_size = "200MB"    # larger messages are skipped and reported
        # compression_level = 1         # igzip level of new segments: 1 (fastest) to 3

        [[account]]
        name = "work"                   # shown in reports; becomes a directory-safe id
        host = "pop.example.com"
        port = 995
        tls = "implicit"                # implicit (port 995, preferred) | starttls (port 110) | none
        # ca_file = "/etc/ssl/certs/my-ca.pem"   # trust this CA instead of the system store
        # tls_fingerprint = "sha256:AB:CD:…"      # pin the server certificate (SHA-256 of its DER bytes)
        user = "alice@example.com"
        auth = "auto"                   # auto | user | apop | plain | xoauth2 | oauthbearer
        password_command = "pass show mail/work"
        # password_file = "~/.config/popvault/work.password"   # first line; chmod 600
        # password_env = "POPVAULT_WORK_PASSWORD"
        # token_command = "oauth2-helper --account work"       # for xoauth2 / oauthbearer
        # policy = "leave-30-days"
        # max_message_size = "1GB"      # this account's own limit

        """
    }
}
