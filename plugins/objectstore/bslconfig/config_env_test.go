package bslconfig

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metadataService stands in for the ECS metadata service and counts how often it is asked.
type metadataService struct {
	region string
	err    error
	asked  int
}

func (s *metadataService) Region() (string, error) {
	s.asked++
	return s.region, s.err
}

func vars(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// A location written for the existing plugin may name no region: it gets the node's region from the
// ECS metadata service, else cn-hangzhou, as it did there; a region the config gives wins over both.
func TestRegionOfALocationThatNamesNone(t *testing.T) {
	tests := []struct {
		name       string
		config     map[string]string
		getenv     func(string) string
		metadata   metadataService
		wantRegion string
		wantSource RegionSource
		wantAsked  int
		wantNote   string
		wantSign   string
	}{
		{name: "the node's region", config: map[string]string{"network": "internal"},
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-shenzhen", wantSource: RegionFromMetadata, wantAsked: 1,
			wantSign: "https://oss-cn-shenzhen.aliyuncs.com"},
		{name: "off ECS: cn-hangzhou", config: map[string]string{},
			metadata: metadataService{err: errors.New("dial tcp 100.100.100.200:80: i/o timeout")}, wantRegion: "cn-hangzhou", wantSource: RegionDefault,
			wantAsked: 1, wantNote: "the ECS metadata service gave no region: dial tcp 100.100.100.200:80: i/o timeout"},
		{name: "a metadata answer that is no region", config: map[string]string{},
			metadata: metadataService{region: "<html>"}, wantRegion: "cn-hangzhou", wantSource: RegionDefault, wantAsked: 1, wantNote: `"<html>" is not a region ID`},
		{name: "notOnECS: not asked", config: map[string]string{"notOnECS": "true"},
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-hangzhou", wantSource: RegionDefault, wantNote: "notOnECS is true"},
		{name: "metadata service disabled: not asked", config: map[string]string{}, getenv: vars("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "TRUE"),
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-hangzhou", wantSource: RegionDefault, wantNote: "ALIBABA_CLOUD_ECS_METADATA_DISABLED is true"},
		{name: "the endpoint's region wins", config: map[string]string{"endpoint": "oss-cn-beijing-internal.aliyuncs.com"},
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-beijing", wantSource: RegionFromEndpoint},
		{name: "the region key wins", config: map[string]string{"region": "cn-qingdao", "endpoint": "oss-cn-beijing.aliyuncs.com"},
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-qingdao", wantSource: RegionFromConfig},
		{name: "a custom endpoint says no region", config: map[string]string{"endpoint": "http://127.0.0.1:9400"},
			metadata: metadataService{region: "cn-shenzhen"}, wantRegion: "cn-shenzhen", wantSource: RegionFromMetadata, wantAsked: 1,
			wantSign: "http://127.0.0.1:9400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.config["bucket"] = "cnfs-oss-b"
			md := tt.metadata
			cfg, err := ParseConfig(tt.config, Environment{Getenv: tt.getenv, MetadataRegion: md.Region})
			require.NoError(t, err)
			assert.Equal(t, tt.wantRegion, cfg.Region)
			assert.Equal(t, tt.wantSource, cfg.RegionSource)
			assert.Equal(t, tt.wantAsked, md.asked, "metadata service requests")
			assert.Contains(t, cfg.RegionNote, tt.wantNote)
			if tt.wantSign != "" {
				assert.Equal(t, tt.wantSign, cfg.SignEndpoint)
			}
		})
	}
}

// ALIBABA_CLOUD_ENCRYPTION_KEY_ID in velero server's environment encrypts new objects with SSE-KMS, as
// the existing plugin did; a location's own encryption keys win over it.
func TestEncryptionFromTheEnvironment(t *testing.T) {
	const envKey = "key-hzz62f1cb66fa42qo6fu7"
	tests := []struct {
		name    string
		config  map[string]string
		getenv  func(string) string
		want    Encryption
		wantLog string
		wantErr []string
	}{
		{name: "no variable, no keys: none", config: map[string]string{}, want: Encryption{}},
		{name: "no variable, the location's key", config: map[string]string{"kmsKeyId": "k-1"}, want: Encryption{Algorithm: "KMS", KMSKeyID: "k-1"}},
		{name: "variable alone: KMS with its key", config: map[string]string{},
			getenv: vars(EnvEncryptionKeyID, envKey), want: Encryption{Algorithm: "KMS", KMSKeyID: envKey, FromEnvironment: true},
			wantLog: "encrypted with SSE-KMS using key " + envKey + " from ALIBABA_CLOUD_ENCRYPTION_KEY_ID"},
		{name: "surrounding blanks are not part of the key", config: map[string]string{},
			getenv: vars(EnvEncryptionKeyID, " "+envKey+"\n"), want: Encryption{Algorithm: "KMS", KMSKeyID: envKey, FromEnvironment: true},
			wantLog: "using key " + envKey + " from"},
		{name: "serverSideEncryption KMS takes the variable's key", config: map[string]string{"serverSideEncryption": "KMS"},
			getenv: vars(EnvEncryptionKeyID, envKey), want: Encryption{Algorithm: "KMS", KMSKeyID: envKey, FromEnvironment: true},
			wantLog: "using key " + envKey + " from"},
		{name: "kmsKeyId wins", config: map[string]string{"kmsKeyId": "alias/backup"},
			getenv: vars(EnvEncryptionKeyID, envKey), want: Encryption{Algorithm: "KMS", KMSKeyID: "alias/backup", EnvironmentOverridden: true},
			wantLog: "config key kmsKeyId chooses the key: new backup objects are encrypted with SSE-KMS using key alias/backup"},
		{name: "AES256 wins", config: map[string]string{"serverSideEncryption": "AES256"},
			getenv: vars(EnvEncryptionKeyID, envKey), want: Encryption{Algorithm: "AES256", EnvironmentOverridden: true},
			wantLog: "config key serverSideEncryption chooses the encryption: new backup objects are encrypted with AES256, not SSE-KMS"},
		{name: "an ARN", config: map[string]string{},
			getenv:  vars(EnvEncryptionKeyID, "acs:kms:cn-hangzhou:1234567890:key/key-hzz62f1cb66fa42qo6fu7"),
			want:    Encryption{Algorithm: "KMS", KMSKeyID: "acs:kms:cn-hangzhou:1234567890:key/key-hzz62f1cb66fa42qo6fu7", FromEnvironment: true},
			wantLog: "using key acs:kms:cn-hangzhou:1234567890:key/key-hzz62f1cb66fa42qo6fu7 from"},
		{name: "a variable that is no key ID", config: map[string]string{}, getenv: vars(EnvEncryptionKeyID, "my key"),
			wantErr: []string{"ALIBABA_CLOUD_ENCRYPTION_KEY_ID in velero server's environment", `"my key"`, "not a KMS key ID"}},
		{name: "a bad variable fails even where the location chooses", config: map[string]string{"kmsKeyId": "k-1"},
			getenv: vars(EnvEncryptionKeyID, "a;b"), wantErr: []string{"ALIBABA_CLOUD_ENCRYPTION_KEY_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.config["bucket"], tt.config["region"] = "cnfs-oss-b", "cn-hangzhou"
			cfg, err := ParseConfig(tt.config, Environment{Getenv: tt.getenv})
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Encryption)
			if tt.wantLog == "" {
				assert.Empty(t, cfg.Encryption.LogMessage())
				return
			}
			assert.Contains(t, cfg.Encryption.LogMessage(), tt.wantLog)
		})
	}
}
