package bslconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"bucket": "cnfs-oss-backup", "region": "cn-hangzhou"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		config  map[string]string
		want    func(*testing.T, Config)
		wantErr []string // substrings the error must contain
	}{
		{
			name:   "existing plugin's location: public endpoint by default",
			config: base("prefix", "cluster-a"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "https://oss-cn-hangzhou.aliyuncs.com", c.Endpoint)
				assert.Equal(t, c.Endpoint, c.SignEndpoint)
				assert.Equal(t, RegionFromConfig, c.RegionSource)
				assert.Equal(t, "cluster-a", c.Prefix)
				assert.Equal(t, 4, c.SignatureVersion)
				assert.Equal(t, NetworkPublic, c.Network)
			},
		},
		{
			name:   "internal network: data in the VPC, signed URLs on the public endpoint a workstation reaches",
			config: base("network", "internal"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "https://oss-cn-hangzhou-internal.aliyuncs.com", c.Endpoint)
				assert.Equal(t, "https://oss-cn-hangzhou.aliyuncs.com", c.SignEndpoint)
			},
		},
		{
			name:   "publicEndpoint overrides the signing endpoint",
			config: base("network", "internal", "publicEndpoint", "http://localhost:9400/"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "https://oss-cn-hangzhou-internal.aliyuncs.com", c.Endpoint)
				assert.Equal(t, "http://localhost:9400", c.SignEndpoint)
			},
		},
		{
			name:   "publicEndpoint as a bare host",
			config: base("endpoint", "http://10.0.0.5:9000", "publicEndpoint", "oss-backup.example.com"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "http://10.0.0.5:9000", c.Endpoint)
				assert.Equal(t, "https://oss-backup.example.com", c.SignEndpoint)
			},
		},
		{
			name:   "zone of the existing plugin's locations is accepted",
			config: base("zone", "cn-hangzhou-h"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "cn-hangzhou-h", c.Zone) },
		},
		{
			name:   "accelerate network",
			config: base("network", "accelerate"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "https://oss-accelerate.aliyuncs.com", c.Endpoint)
				assert.Equal(t, c.Endpoint, c.SignEndpoint, "the accelerate endpoint is reachable from anywhere")
			},
		},
		{
			name:   "endpoint overrides network and gives the region",
			config: map[string]string{"bucket": "b-1", "endpoint": "oss-cn-beijing-internal.aliyuncs.com", "network": "public"},
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "https://oss-cn-beijing-internal.aliyuncs.com", c.Endpoint)
				assert.Equal(t, "https://oss-cn-beijing.aliyuncs.com", c.SignEndpoint, "an internal endpoint signs on its public counterpart")
				assert.Equal(t, "cn-beijing", c.Region)
				assert.Equal(t, RegionFromEndpoint, c.RegionSource)
			},
		},
		{
			name:   "internal endpoint with a port and plain http keeps both on the public host",
			config: base("endpoint", "http://oss-cn-beijing-internal.aliyuncs.com:8080"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "http://oss-cn-beijing.aliyuncs.com:8080", c.SignEndpoint)
			},
		},
		{
			name:   "plain http endpoint for an emulator",
			config: base("endpoint", "http://127.0.0.1:9400"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "http://127.0.0.1:9400", c.Endpoint)
				assert.Equal(t, c.Endpoint, c.SignEndpoint, "a custom endpoint signs on itself")
			},
		},
		{
			name:   "kmsKeyId alone means SSE-KMS",
			config: base("kmsKeyId", "key-123"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, Encryption{Algorithm: "KMS", KMSKeyID: "key-123"}, c.Encryption)
			},
		},
		{
			name:   "AES256 in any case",
			config: base("serverSideEncryption", "aes256"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "AES256", c.Encryption.Algorithm) },
		},
		{
			name: "tuning, TLS and signature keys",
			config: base("uploadPartSize", "32Mi", "uploadParallelism", "8", "insecureSkipTLSVerify", "true",
				"signatureVersion", "1", "notOnECS", "true", "credentialsFile", "/tmp/creds", "caCert", "PEM"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, int64(32<<20), c.PartSize)
				assert.Equal(t, 8, c.Parallelism)
				assert.True(t, c.InsecureSkipTLSVerify)
				assert.True(t, c.NotOnECS)
				assert.Equal(t, 1, c.SignatureVersion)
				assert.Equal(t, "/tmp/creds", c.CredentialsFile)
				assert.Equal(t, []byte("PEM"), c.CACert)
			},
		},
		{
			name:    "unknown key names it and every valid key",
			config:  base("s3Url", "http://x"),
			wantErr: []string{`unknown config key "s3Url"`, "valid keys are:", "bucket", "credentialsFile", "endpoint", "kmsKeyId", "network", "publicEndpoint", "region", "uploadPartSize", "zone"},
		},
		{
			name:    "bad network names the choices",
			config:  base("network", "vpc"),
			wantErr: []string{`config key "network"`, `"vpc"`, "public, internal, accelerate"},
		},
		{name: "missing bucket", config: map[string]string{"region": "cn-hangzhou"}, wantErr: []string{`config key "bucket" is required`}},
		{name: "bad region", config: base("region", "Hangzhou"), wantErr: []string{`config key "region"`, "cn-hangzhou"}},
		{name: "bad endpoint", config: base("endpoint", "ftp://x"), wantErr: []string{`config key "endpoint"`}},
		{name: "endpoint with a path", config: base("endpoint", "https://x.example.com/bucket"), wantErr: []string{`config key "endpoint"`}},
		{name: "bad boolean", config: base("notOnECS", "yes please"), wantErr: []string{`config key "notOnECS"`, "true, false"}},
		{name: "bad encryption", config: base("serverSideEncryption", "DES"), wantErr: []string{`"serverSideEncryption"`, "AES256, KMS, SM4"}},
		{name: "kms key with AES256", config: base("kmsKeyId", "k", "serverSideEncryption", "AES256"), wantErr: []string{`"kmsKeyId" needs serverSideEncryption=KMS`}},
		{name: "bad zone", config: base("zone", "Hangzhou H"), wantErr: []string{`config key "zone"`, `"Hangzhou H"`, "cn-hangzhou-h"}},
		{name: "bad publicEndpoint", config: base("publicEndpoint", "ftp://x"), wantErr: []string{`config key "publicEndpoint"`}},
		{name: "publicEndpoint with a path", config: base("publicEndpoint", "https://x.example.com/b"), wantErr: []string{`config key "publicEndpoint"`}},
		{name: "endpoint with a query", config: base("endpoint", "https://x.example.com?a=b"), wantErr: []string{`config key "endpoint"`}},
		{name: "endpoint with user info", config: base("endpoint", "https://u:s3cret@x.example.com"), wantErr: []string{`config key "endpoint"`, "no user or password"}},
		{name: "kms key with a space", config: base("kmsKeyId", "key 1"), wantErr: []string{`config key "kmsKeyId"`, "not a KMS key ID"}},
		{name: "bad signature version", config: base("signatureVersion", "v2"), wantErr: []string{`"signatureVersion"`, "v4 (default), v1"}},
		{name: "part size too small", config: base("uploadPartSize", "1Ki"), wantErr: []string{`"uploadPartSize"`, "100Ki to 5Gi"}},
		{name: "part size not a size", config: base("uploadPartSize", "big"), wantErr: []string{`"uploadPartSize"`}},
		{name: "parallelism zero", config: base("uploadParallelism", "0"), wantErr: []string{`"uploadParallelism"`, "1 to 64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(tt.config, Environment{})
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				assert.NotContains(t, err.Error(), "s3cret", "a password in a URL is never quoted")
				return
			}
			require.NoError(t, err)
			tt.want(t, got)
		})
	}
}
