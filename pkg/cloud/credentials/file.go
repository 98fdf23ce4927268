package credentials

import (
	"fmt"
	"strings"
)

// Names of the settings, in credentials files and in the environment.
const (
	keyAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	keyAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	keySecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	// keyLegacySTSToken is the token's name in the files of the open-source
	// Alibaba Velero plugin, which users bring along.
	keyLegacySTSToken = "ALIBABA_CLOUD_ACCESS_STS_TOKEN"
	keyRAMRole        = "ALIBABA_CLOUD_RAM_ROLE"
)

// File is what a Velero credentials file says. Only RAMRole and Unknown are
// printed in clear; see Credentials for how the keys are redacted.
type File struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // from ALIBABA_CLOUD_ACCESS_STS_TOKEN or ALIBABA_CLOUD_SECURITY_TOKEN
	RAMRole         string // ECS RAM role of the node, used when there are no keys
	// Unknown lists the names (never the values) of the keys this package
	// does not use, in the order they first appear, so callers can warn
	// about typos such as ALIBABA_CLOUD_ACCESS_KEY.
	Unknown []string
}

// HasKeys reports whether the file holds an access key pair.
func (f File) HasKeys() bool { return f.AccessKeyID != "" && f.AccessKeySecret != "" }

// String shows what the file configures without disclosing the keys.
func (f File) String() string {
	return fmt.Sprintf("File{AccessKeyID: %s, AccessKeySecret: %s, SecurityToken: %s, RAMRole: %q, Unknown: %q}",
		maskKeyID(f.AccessKeyID), redacted(f.AccessKeySecret), redacted(f.SecurityToken), f.RAMRole, f.Unknown)
}

// GoString makes %#v as safe as %v.
func (f File) GoString() string { return "credentials." + f.String() }

// Format applies the redaction to every verb.
func (f File) Format(s fmt.State, verb rune) { formatRedacted(s, verb, f.String(), f.GoString()) }

// ParseFile reads a credentials file in the dotenv format that
// `velero install --secret-file` and BackupStorageLocation.spec.credential
// users already have:
//
//	ALIBABA_CLOUD_ACCESS_KEY_ID=...
//	ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
//	ALIBABA_CLOUD_ACCESS_STS_TOKEN=...   # optional; ALIBABA_CLOUD_SECURITY_TOKEN also works
//	ALIBABA_CLOUD_RAM_ROLE=...           # optional: the node's ECS RAM role instead of keys
//
// Comments, blank lines, `export `, quotes, CRLF line ends and a UTF-8 BOM are
// accepted. A key this package uses may appear only once: a second
// ALIBABA_CLOUD_ACCESS_KEY_ID is an error rather than "last one wins", because
// a file with two keys is almost always a botched rotation, and silently using
// either would hide it. An empty value counts as not set.
//
// Errors name line numbers and key names, never the text of a line.
func ParseFile(data []byte) (File, error) {
	text := strings.TrimPrefix(string(data), "\uFEFF")
	var f File
	setOnLine := map[string]int{}
	unknown := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		lineNo := i + 1
		key, value, isEntry, err := parseLine(line)
		if err != nil {
			return File{}, fmt.Errorf("credentials file line %d: %w", lineNo, err)
		}
		if !isEntry {
			continue
		}
		field := f.fieldFor(key)
		if field == nil {
			if !unknown[key] {
				unknown[key] = true
				f.Unknown = append(f.Unknown, key)
			}
			continue
		}
		if previous, seen := setOnLine[key]; seen {
			return File{}, fmt.Errorf("credentials file line %d: %s is already set on line %d", lineNo, key, previous)
		}
		setOnLine[key] = lineNo
		*field = value
	}
	_, legacyToken := setOnLine[keyLegacySTSToken]
	_, token := setOnLine[keySecurityToken]
	if legacyToken && token {
		return File{}, fmt.Errorf("credentials file sets both %s and %s, keep one", keyLegacySTSToken, keySecurityToken)
	}
	tokenKey := keySecurityToken
	if legacyToken {
		tokenKey = keyLegacySTSToken
	}
	if err := f.validate(tokenKey); err != nil {
		return File{}, err
	}
	return f, nil
}

// fieldFor maps a key to the field it sets, or nil for keys we ignore.
func (f *File) fieldFor(key string) *string {
	switch key {
	case keyAccessKeyID:
		return &f.AccessKeyID
	case keyAccessKeySecret:
		return &f.AccessKeySecret
	case keySecurityToken, keyLegacySTSToken:
		return &f.SecurityToken
	case keyRAMRole:
		return &f.RAMRole
	default:
		return nil
	}
}

// validate rejects half a key pair, which would otherwise fall through to a
// RAM role or the next credential source and fail much later, far from the
// typo that caused it.
func (f File) validate(tokenKey string) error {
	if err := checkKeyPair("credentials file", f.AccessKeyID, f.AccessKeySecret, f.SecurityToken, tokenKey); err != nil {
		return err
	}
	if f.RAMRole != "" && !validRAMRoleName(f.RAMRole) {
		return fmt.Errorf("credentials file sets %s to something that is not a RAM role name", keyRAMRole)
	}
	return nil
}

// checkKeyPair is shared by the file and the environment: where says which.
func checkKeyPair(where, id, secret, token, tokenKey string) error {
	switch {
	case id != "" && secret == "":
		return fmt.Errorf("%s sets %s but not %s", where, keyAccessKeyID, keyAccessKeySecret)
	case id == "" && secret != "":
		return fmt.Errorf("%s sets %s but not %s", where, keyAccessKeySecret, keyAccessKeyID)
	case id == "" && token != "":
		return fmt.Errorf("%s sets %s but not %s and %s", where, tokenKey, keyAccessKeyID, keyAccessKeySecret)
	}
	return nil
}

// validRAMRoleName follows RAM's rule (letters, digits, '.', '-', '_', at
// most 64 characters). The name becomes part of a metadata-service URL path,
// so anything else must not get that far.
func validRAMRoleName(name string) bool {
	if len(name) > 64 {
		return false
	}
	for _, r := range name {
		ok := r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z')
		if !ok {
			return false
		}
	}
	return name != ""
}
