package bslconfig

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Server-side encryption algorithms OSS offers.
const (
	sseAES256 = "AES256"
	sseKMS    = "KMS"
	sseSM4    = "SM4"
)

var encryptionNames = []string{sseAES256, sseKMS, sseSM4}

// kmsKeyIDPattern admits the forms OSS takes for a KMS key: a key ID (key-hzz62f1cb...), an alias
// (alias/backup) or an ARN (acs:kms:cn-hangzhou:123:key/key-...). It keeps out spaces and anything
// that could not be a header value.
var kmsKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,255}$`)

// Encryption is the server-side encryption of new objects, and whether it came from the environment.
type Encryption struct {
	Algorithm string // "", AES256, KMS or SM4
	KMSKeyID  string // only with KMS
	// FromEnvironment: the key is ALIBABA_CLOUD_ENCRYPTION_KEY_ID's.
	FromEnvironment bool
	// EnvironmentOverridden: ALIBABA_CLOUD_ENCRYPTION_KEY_ID is set, but the location's own keys chose.
	EnvironmentOverridden bool
}

// parseEncryption reads serverSideEncryption and kmsKeyId, and takes ALIBABA_CLOUD_ENCRYPTION_KEY_ID
// from velero server's environment as the existing plugin did: SSE-KMS with that key on every new object.
// The location's own choice wins: kmsKeyId names the key, and serverSideEncryption AES256 or SM4 keeps
// that algorithm, because a key list written for one location is more specific than a variable that
// applies to all. serverSideEncryption KMS without kmsKeyId takes the variable's key.
func parseEncryption(m map[string]string, env Environment) (Encryption, error) {
	var e Encryption
	if sse := m[keyServerSideEncryption]; sse != "" {
		for _, n := range encryptionNames {
			if strings.EqualFold(sse, n) {
				e.Algorithm = n
			}
		}
		if e.Algorithm == "" {
			return Encryption{}, fmt.Errorf("config key %q: invalid value %s; valid values are %s",
				keyServerSideEncryption, locationconfig.Quote(sse), strings.Join(encryptionNames, ", "))
		}
	}
	if e.KMSKeyID = m[keyKMSKeyID]; e.KMSKeyID != "" && !kmsKeyIDPattern.MatchString(e.KMSKeyID) {
		return Encryption{}, fmt.Errorf("config key %q: %s is not a KMS key ID, alias or ARN such as key-hzz62f1cb66fa42qo6fu7",
			keyKMSKeyID, locationconfig.Quote(e.KMSKeyID))
	}
	envKey := strings.TrimSpace(env.getenv(EnvEncryptionKeyID))
	if envKey != "" && !kmsKeyIDPattern.MatchString(envKey) {
		return Encryption{}, fmt.Errorf("%s in velero server's environment: %s is not a KMS key ID, alias or ARN such as key-hzz62f1cb66fa42qo6fu7",
			EnvEncryptionKeyID, locationconfig.Quote(envKey))
	}
	switch {
	case e.KMSKeyID != "":
		if e.Algorithm != "" && e.Algorithm != sseKMS {
			return Encryption{}, fmt.Errorf("config key %q needs %s=KMS (or unset), not %s", keyKMSKeyID, keyServerSideEncryption, e.Algorithm)
		}
		e.Algorithm = sseKMS // a key ID alone means SSE-KMS, as in the AWS plugin
		e.EnvironmentOverridden = envKey != ""
	case envKey != "" && (e.Algorithm == "" || e.Algorithm == sseKMS):
		e.Algorithm, e.KMSKeyID, e.FromEnvironment = sseKMS, envKey, true
	case envKey != "":
		e.EnvironmentOverridden = true
	}
	return e, nil
}

// LogMessage says what the environment's KMS key does for this location; "" when it is not set.
func (e Encryption) LogMessage() string {
	switch {
	case e.FromEnvironment:
		return fmt.Sprintf("new backup objects are encrypted with SSE-KMS using key %s from %s", e.KMSKeyID, EnvEncryptionKeyID)
	case e.EnvironmentOverridden && e.KMSKeyID != "":
		return fmt.Sprintf("%s is set, but this location's config key %s chooses the key: new backup objects are encrypted with SSE-KMS using key %s",
			EnvEncryptionKeyID, keyKMSKeyID, e.KMSKeyID)
	case e.EnvironmentOverridden:
		return fmt.Sprintf("%s is set, but this location's config key %s chooses the encryption: new backup objects are encrypted with %s, not SSE-KMS",
			EnvEncryptionKeyID, keyServerSideEncryption, e.Algorithm)
	}
	return ""
}
