package collect

// Builtin is a check Bulwark ships: a CEL rule (package checkrule) over the
// facts of one collector's resources, linked to the Annex A controls it gives
// evidence for.
type Builtin struct {
	// Key identifies the check for good: "host.ssh.no_root_login". It never
	// changes once released, so stored results keep their meaning.
	Key string
	// Name is a short title.
	Name string
	// Description says what is checked and why an auditor cares.
	Description string
	// Kind is the collector whose resources the rule reads: KindHost, KindTLS,
	// KindGit, KindTerraform or KindPostgres.
	Kind string
	// ResourceType limits the rule to resources of that type; "" means every
	// resource of the kind.
	ResourceType string
	// Rule is the CEL expression; true means the resource passes. Rules guard
	// optional facts, so they pass or fail and do not error on any resource
	// their collector produces.
	Rule string
	// Controls are ISO/IEC 27001:2022 Annex A references ("A.8.5").
	Controls []string
}

// Builtins returns the built-in checks, a fresh slice on each call.
func Builtins() []Builtin {
	b := make([]Builtin, len(builtins))
	for i, x := range builtins {
		x.Controls = append([]string(nil), x.Controls...)
		b[i] = x
	}
	return b
}

var builtins = []Builtin{
	// Hosts.
	{
		Key: "host.ssh.no_root_login", Name: "SSH refuses root logins", Kind: KindHost, ResourceType: "host",
		Description: "The SSH server must not accept logins as root, so every administrator signs in as themselves and then elevates. " +
			"Auditors look for this because shared root sessions leave no trace of who did what.",
		Rule:     `!resource.ssh.present || resource.ssh.permit_root_login == "no"`,
		Controls: []string{"A.8.2", "A.8.5"},
	},
	{
		Key: "host.ssh.no_password_auth", Name: "SSH uses keys, not passwords", Kind: KindHost, ResourceType: "host",
		Description: "Password authentication is switched off in the SSH server, leaving key-based (or certificate) logins. " +
			"Passwords can be guessed or reused from other breaches; keys resist both.",
		Rule:     `!resource.ssh.present || resource.ssh.password_authentication == "no"`,
		Controls: []string{"A.8.5"},
	},
	{
		Key: "host.ssh.no_empty_passwords", Name: "SSH refuses empty passwords", Kind: KindHost, ResourceType: "host",
		Description: "The SSH server is not configured to let accounts with an empty password in. " +
			"Otherwise one careless account becomes an open door.",
		Rule:     `!resource.ssh.present || resource.ssh.permit_empty_passwords == "no"`,
		Controls: []string{"A.5.17", "A.8.5"},
	},
	{
		Key: "host.ssh.max_auth_tries", Name: "SSH limits authentication attempts", Kind: KindHost, ResourceType: "host",
		Description: "The SSH server drops a connection after at most four failed authentication attempts. " +
			"A low limit slows down password and key guessing.",
		Rule:     `!resource.ssh.present || resource.ssh.max_auth_tries <= 4`,
		Controls: []string{"A.8.5"},
	},
	{
		Key: "host.ssh.no_x11_forwarding", Name: "SSH does not forward X11", Kind: KindHost, ResourceType: "host",
		Description: "X11 forwarding is off on the SSH server. Servers rarely need it, and it lets a compromised server reach into the connecting user's desktop.",
		Rule:        `!resource.ssh.present || resource.ssh.x11_forwarding == "no"`,
		Controls:    []string{"A.8.9"},
	},
	{
		Key: "host.accounts.no_empty_passwords", Name: "No account has an empty password", Kind: KindHost, ResourceType: "host",
		Description: "Every account in /etc/shadow has a password or is locked. An account with an empty password can be used by anyone who reaches a login prompt; " +
			"the check fails when the shadow file could not be read, since nothing was proven.",
		Rule:     `resource.shadow_readable && size(resource.empty_password_accounts) == 0`,
		Controls: []string{"A.5.17", "A.8.5"},
	},
	{
		Key: "host.password.max_age", Name: "Local passwords expire within a year", Kind: KindHost, ResourceType: "host",
		Description: "PASS_MAX_DAYS in /etc/login.defs is set to a year or less, so forgotten local passwords do not stay valid for ever. " +
			"Where policy follows NIST SP 800-63B and does not expire passwords, record that decision instead of passing this check.",
		Rule:     `resource.login_defs.pass_max_days > 0 && resource.login_defs.pass_max_days <= 365`,
		Controls: []string{"A.5.17"},
	},
	{
		Key: "host.firewall.enabled", Name: "A host firewall filters traffic", Kind: KindHost, ResourceType: "host",
		Description: "ufw, firewalld, nftables or iptables is configured with rules on the host. " +
			"A local firewall limits exposure even when a service is started by mistake.",
		Rule:     `resource.firewall.enabled`,
		Controls: []string{"A.8.20", "A.8.22"},
	},
	{
		Key: "host.updates.automatic", Name: "Security updates install automatically", Kind: KindHost, ResourceType: "host",
		Description: "unattended-upgrades or dnf-automatic applies updates without waiting for someone to remember. " +
			"Auditors ask how quickly known vulnerabilities are patched; automation is the simplest answer.",
		Rule:     `resource.auto_updates.enabled`,
		Controls: []string{"A.8.8"},
	},
	{
		Key: "host.time.synchronised", Name: "The clock is synchronised", Kind: KindHost, ResourceType: "host",
		Description: "chrony, ntpd or systemd-timesyncd keeps the system clock in step with a time source. " +
			"Logs from different systems can only be put in order when their clocks agree.",
		Rule:     `resource.time_sync.enabled`,
		Controls: []string{"A.8.17"},
	},
	{
		Key: "host.disk.encrypted", Name: "Disks are encrypted", Kind: KindHost, ResourceType: "host",
		Description: "At least one volume is encrypted with LUKS (listed in /etc/crypttab). " +
			"Encryption keeps data unreadable when a disk is lost, stolen or disposed of.",
		Rule:     `resource.disk_encryption.enabled`,
		Controls: []string{"A.8.24", "A.7.10"},
	},
	{
		Key: "host.network.no_cleartext_services", Name: "No clear-text login services listen", Kind: KindHost, ResourceType: "host",
		Description: "Nothing listens on the ports of FTP, Telnet, rlogin or rsh, which send passwords unencrypted. " +
			"Their presence usually means a forgotten legacy service.",
		Rule:     `!resource.listening_ports.exists(p, p in [21, 23, 512, 513, 514])`,
		Controls: []string{"A.8.20", "A.8.21"},
	},
	{
		Key: "host.network.databases_local", Name: "Databases listen on loopback only", Kind: KindHost, ResourceType: "host",
		Description: "MySQL, PostgreSQL, Redis, MongoDB and Elasticsearch ports are bound to the loopback address only. " +
			"A database reachable from the network is one firewall mistake away from the internet.",
		Rule:     `resource.listening.all(l, !(l.port in [3306, 5432, 6379, 27017, 9200]) || ip(l.address).isLoopback())`,
		Controls: []string{"A.8.20", "A.8.22"},
	},

	// TLS endpoints.
	{
		Key: "tls.certificate.valid", Name: "Certificate is trusted and matches the name", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The server's certificate chains to a trusted authority, is within its validity period and names the host. " +
			"Clients that accept anything else cannot tell the real server from an impostor.",
		Rule:     `resource.valid`,
		Controls: []string{"A.8.24", "A.8.21"},
	},
	{
		Key: "tls.certificate.not_expiring", Name: "Certificate has 30 days or more left", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The certificate expires in 30 days or later. An expired certificate takes a service down or trains users to click through warnings.",
		Rule:        `resource.days_to_expiry >= 30`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "tls.protocol.no_legacy", Name: "TLS 1.0 and 1.1 are refused", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The server refuses TLS 1.0 and 1.1, which are deprecated (RFC 8996) and have known weaknesses.",
		Rule:        `!resource.tls1_0 && !resource.tls1_1`,
		Controls:    []string{"A.8.24", "A.8.21"},
	},
	{
		Key: "tls.protocol.tls13", Name: "TLS 1.3 is offered", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The server accepts TLS 1.3, the current version, with forward secrecy and no legacy cipher suites.",
		Rule:        `resource.tls1_3`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "tls.key.strong", Name: "Certificate key is strong enough", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The certificate's key is RSA of at least 2048 bits, ECDSA of at least 256 bits, or Ed25519. Shorter keys can be broken.",
		Rule:        `(resource.key_algorithm == "RSA" && resource.key_bits >= 2048) || (resource.key_algorithm == "ECDSA" && resource.key_bits >= 256) || resource.key_algorithm == "Ed25519"`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "tls.signature.modern", Name: "Certificate is not signed with SHA-1 or MD5", Kind: KindTLS, ResourceType: "tls_endpoint",
		Description: "The certificate's signature does not use SHA-1 or MD5, for which collisions can be forged.",
		Rule:        `!resource.signature_algorithm.contains("SHA1") && !resource.signature_algorithm.contains("MD5")`,
		Controls:    []string{"A.8.24"},
	},

	// Git repositories.
	{
		Key: "git.secrets.none", Name: "No secrets in the code", Kind: KindGit, ResourceType: "git_repository",
		Description: "No access keys, tokens, private keys or hard-coded passwords were found in the files at the branch's tip. " +
			"A secret in a repository is readable by everyone with access to it, and stays in its history after removal: rotate it.",
		Rule:     `resource.secrets_found == 0`,
		Controls: []string{"A.5.17", "A.8.4", "A.8.12"},
	},
	{
		Key: "git.secrets.no_private_keys", Name: "No private keys in the code", Kind: KindGit, ResourceType: "git_repository",
		Description: "No file at the branch's tip contains a private key. A committed key must be treated as compromised and replaced.",
		Rule:        `!resource.secrets.exists(s, s.rule == "private_key")`,
		Controls:    []string{"A.8.24", "A.5.17"},
	},
	{
		Key: "git.codeowners.present", Name: "Code owners are named", Kind: KindGit, ResourceType: "git_repository",
		Description: "A CODEOWNERS file says who must review changes to which parts of the code. It turns the review requirement into something the platform enforces.",
		Rule:        `resource.codeowners`,
		Controls:    []string{"A.8.4", "A.8.32"},
	},
	{
		Key: "git.history.no_rewrites", Name: "The default branch was not rewritten", Kind: KindGit, ResourceType: "git_repository",
		Description: "The branch's reflog shows no move to a commit that does not descend from the previous one (force push, reset, amend). " +
			"Rewritten history means reviewed changes may not be what is deployed.",
		Rule:     `resource.history_rewrites == 0`,
		Controls: []string{"A.8.32", "A.8.4"},
	},
	{
		Key: "git.commits.signed", Name: "Commits are signed", Kind: KindGit, ResourceType: "git_repository",
		Description: "At least 90% of recent commits on the branch carry a signature. Signatures show who made a change, not merely whose name was typed.",
		Rule:        `resource.commits_examined == 0 || resource.signed_share >= 90`,
		Controls:    []string{"A.8.4", "A.8.32"},
	},

	// Terraform.
	{
		Key: "terraform.s3.encrypted", Name: "S3 bucket declares encryption", Kind: KindTerraform, ResourceType: "aws_s3_bucket",
		Description: "The bucket has a server-side encryption configuration in the code. AWS encrypts new buckets by default since 2023, but declaring it keeps the choice (and the key) under review.",
		Rule:        `resource.encrypted`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "terraform.s3.not_public", Name: "S3 bucket is not public", Kind: KindTerraform, ResourceType: "aws_s3_bucket",
		Description: "Neither the bucket's ACL nor a weakened public access block makes it readable by anyone on the internet. Public buckets are a leading cause of data leaks.",
		Rule:        `!resource.public`,
		Controls:    []string{"A.8.3", "A.5.15"},
	},
	{
		Key: "terraform.s3.logging", Name: "S3 bucket logs access", Kind: KindTerraform, ResourceType: "aws_s3_bucket",
		Description: "Server access logging is configured, so reads and writes of the bucket can be investigated later.",
		Rule:        `resource.logging`,
		Controls:    []string{"A.8.15"},
	},
	{
		Key: "terraform.s3.versioning", Name: "S3 bucket keeps versions", Kind: KindTerraform, ResourceType: "aws_s3_bucket",
		Description: "Versioning is enabled, so overwritten or deleted objects can be recovered after a mistake or a ransomware attack.",
		Rule:        `resource.versioning`,
		Controls:    []string{"A.8.13"},
	},
	{
		Key: "terraform.security_group.no_admin_from_internet", Name: "SSH and RDP are not open to the internet", Kind: KindTerraform, ResourceType: "aws_security_group",
		Description: "No ingress rule lets 0.0.0.0/0 or ::/0 reach port 22 or 3389. Administration ports open to the world are scanned and attacked within minutes.",
		Rule:        `!resource.open_ssh && !resource.open_rdp`,
		Controls:    []string{"A.8.20", "A.8.22"},
	},
	{
		Key: "terraform.security_group.web_only_from_internet", Name: "Only web ports are open to the internet", Kind: KindTerraform, ResourceType: "aws_security_group",
		Description: "Ingress from anywhere is limited to ports 80 and 443. Anything else exposed publicly should be a deliberate, documented exception.",
		Rule:        `resource.open_ingress.all(r, r.port_from == r.port_to && r.port_from in [80, 443])`,
		Controls:    []string{"A.8.20"},
	},
	{
		Key: "terraform.rds.encrypted", Name: "RDS storage is encrypted", Kind: KindTerraform, ResourceType: "aws_db_instance",
		Description: "The database instance's storage, backups and snapshots are encrypted. This can only be chosen when the instance is created.",
		Rule:        `resource.storage_encrypted`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "terraform.rds.not_public", Name: "RDS instance is not publicly accessible", Kind: KindTerraform, ResourceType: "aws_db_instance",
		Description: "The database has no public endpoint and is reachable only from inside its network.",
		Rule:        `!resource.publicly_accessible`,
		Controls:    []string{"A.8.20", "A.8.3"},
	},
	{
		Key: "terraform.rds.backups", Name: "RDS keeps a week of backups", Kind: KindTerraform, ResourceType: "aws_db_instance",
		Description: "Automated backups are kept for at least 7 days, so a problem noticed after a weekend can still be undone. An unknown retention fails.",
		Rule:        `resource.?backup_retention_period.orValue(0) >= 7`,
		Controls:    []string{"A.8.13"},
	},
	{
		Key: "terraform.ebs.encrypted", Name: "EBS volume is encrypted", Kind: KindTerraform, ResourceType: "aws_ebs_volume",
		Description: "The block storage volume is encrypted, and with it its snapshots.",
		Rule:        `resource.encrypted`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "terraform.cloudtrail.enabled", Name: "CloudTrail logs every region", Kind: KindTerraform, ResourceType: "aws_cloudtrail",
		Description: "The trail is logging and covers all regions, so API activity anywhere in the account is recorded.",
		Rule:        `resource.logging && resource.multi_region`,
		Controls:    []string{"A.8.15", "A.8.16"},
	},
	{
		Key: "terraform.cloudtrail.log_validation", Name: "CloudTrail log files are validated", Kind: KindTerraform, ResourceType: "aws_cloudtrail",
		Description: "Log file integrity validation is on, so tampering with delivered logs can be detected.",
		Rule:        `resource.log_file_validation`,
		Controls:    []string{"A.8.15"},
	},
	{
		Key: "terraform.gcs.not_public", Name: "Cloud Storage bucket is not public", Kind: KindTerraform, ResourceType: "google_storage_bucket",
		Description: "No IAM binding or ACL grants allUsers or allAuthenticatedUsers access, unless public access prevention overrides it.",
		Rule:        `!resource.public`,
		Controls:    []string{"A.8.3", "A.5.15"},
	},
	{
		Key: "terraform.gcs.uniform_access", Name: "Cloud Storage bucket uses uniform access", Kind: KindTerraform, ResourceType: "google_storage_bucket",
		Description: "Uniform bucket-level access is on, so IAM alone decides access and per-object ACLs cannot quietly open single files.",
		Rule:        `resource.uniform_access`,
		Controls:    []string{"A.5.15", "A.8.3"},
	},
	{
		Key: "terraform.azure_storage.secure_transfer", Name: "Azure storage requires HTTPS and TLS 1.2", Kind: KindTerraform, ResourceType: "azurerm_storage_account",
		Description: "The storage account refuses plain HTTP and TLS versions before 1.2, so data in transit is always protected.",
		Rule:        `resource.https_only && resource.min_tls_version in ["TLS1_2", "TLS1_3"]`,
		Controls:    []string{"A.8.24", "A.5.14"},
	},
	{
		Key: "terraform.azure_storage.not_public", Name: "Azure storage allows no public containers", Kind: KindTerraform, ResourceType: "azurerm_storage_account",
		Description: "The account does not allow containers or blobs to be made public.",
		Rule:        `!resource.public`,
		Controls:    []string{"A.8.3"},
	},

	// PostgreSQL.
	{
		Key: "postgres.ssl.enabled", Name: "PostgreSQL accepts TLS", Kind: KindPostgres, ResourceType: "postgres_server",
		Description: "The server has TLS switched on (ssl = on), so clients can encrypt their connections and passwords do not cross the network in the clear.",
		Rule:        `resource.ssl`,
		Controls:    []string{"A.8.24", "A.5.14"},
	},
	{
		Key: "postgres.connection.encrypted", Name: "Connections to PostgreSQL are encrypted", Kind: KindPostgres, ResourceType: "postgres_server",
		Description: "Bulwark's own connection was encrypted, which shows clients configured like it actually use TLS rather than merely being able to.",
		Rule:        `resource.connection_encrypted`,
		Controls:    []string{"A.8.24"},
	},
	{
		Key: "postgres.password.scram", Name: "PostgreSQL stores passwords with SCRAM", Kind: KindPostgres, ResourceType: "postgres_server",
		Description: "New passwords are stored as SCRAM-SHA-256 verifiers, not MD5 hashes, which are weak and replayable.",
		Rule:        `resource.password_encryption == "scram-sha-256"`,
		Controls:    []string{"A.5.17", "A.8.5"},
	},
	{
		Key: "postgres.logging.connections", Name: "PostgreSQL logs connections", Kind: KindPostgres, ResourceType: "postgres_server",
		Description: "log_connections and log_disconnections are on, so who connected and for how long can be reconstructed after an incident.",
		Rule:        `resource.log_connections && resource.log_disconnections`,
		Controls:    []string{"A.8.15"},
	},
	{
		Key: "postgres.superusers.limited", Name: "At most one superuser can log in", Kind: KindPostgres, ResourceType: "postgres_server",
		Description: "No more than one role is both superuser and allowed to log in. Applications and people should work with narrower roles.",
		Rule:        `resource.superuser_count <= 1`,
		Controls:    []string{"A.8.2"},
	},
}
