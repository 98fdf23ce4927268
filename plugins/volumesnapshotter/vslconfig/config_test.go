package vslconfig

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"region": "cn-hangzhou"}
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
			name:   "region alone: defaults",
			config: base(),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, Config{Region: "cn-hangzhou", DefaultRetentionDays: 30, InstantAccess: true, RestoreTimeout: 30 * time.Minute}, c)
			},
		},
		{
			name: "existing plugin's location works unchanged",
			config: base("zone", "cn-hangzhou-h", "endpoint", "ecs-vpc.cn-hangzhou.aliyuncs.com", "notOnECS", "true",
				"credentialsFile", "/credentials/cloud"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "cn-hangzhou-h", c.Zone)
				assert.Equal(t, "https://ecs-vpc.cn-hangzhou.aliyuncs.com", c.Endpoint)
				assert.True(t, c.NotOnECS)
				assert.Equal(t, "/credentials/cloud", c.CredentialsFile)
			},
		},
		{
			name:   "zone without a dash after a region ending in a digit",
			config: map[string]string{"region": "ap-southeast-1", "zone": "ap-southeast-1a"},
			want:   func(t *testing.T, c Config) { assert.Equal(t, "ap-southeast-1a", c.Zone) },
		},
		{
			name:   "plain http endpoint for an emulator",
			config: base("endpoint", "http://127.0.0.1:9401/"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "http://127.0.0.1:9401", c.Endpoint) },
		},
		{
			name:   "https endpoint with a port",
			config: base("endpoint", "https://ecs.example.com:8443"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "https://ecs.example.com:8443", c.Endpoint) },
		},
		{
			name:   "notOnECS false",
			config: base("notOnECS", "false"),
			want:   func(t *testing.T, c Config) { assert.False(t, c.NotOnECS) },
		},
		{
			name:   "retention follows the backup when asked",
			config: base("snapshotRetentionDays", "backup"),
			want: func(t *testing.T, c Config) {
				assert.Zero(t, c.RetentionDays)
				assert.False(t, c.RetentionNone)
			},
		},
		{
			name:   "fixed retention",
			config: base("snapshotRetentionDays", "7"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, 7, c.RetentionDays) },
		},
		{
			name:   "largest retention ECS accepts",
			config: base("snapshotRetentionDays", "65536"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, 65536, c.RetentionDays) },
		},
		{
			name:   "retention none keeps snapshots until deleted",
			config: base("snapshotRetentionDays", "none"),
			want: func(t *testing.T, c Config) {
				assert.True(t, c.RetentionNone)
				assert.Zero(t, c.RetentionDays)
			},
		},
		{
			name:   "default retention",
			config: base("defaultRetentionDays", "90"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, 90, c.DefaultRetentionDays) },
		},
		{
			name:   "instant access off",
			config: base("instantAccess", "false"),
			want:   func(t *testing.T, c Config) { assert.False(t, c.InstantAccess) },
		},
		{
			name:   "KMS key ID",
			config: base("kmsKeyId", "key-hzz62f1cb66fa42qo1234"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "key-hzz62f1cb66fa42qo1234", c.KMSKeyID) },
		},
		{
			name:   "KMS key ARN",
			config: base("kmsKeyId", "acs:kms:cn-hangzhou:123456789:key/0e478b7a-4262-4802-b8cb-00d3fb401234"),
			want:   func(t *testing.T, c Config) { assert.Contains(t, c.KMSKeyID, "acs:kms:") },
		},
		{
			name:   "restore timeout",
			config: base("restoreTimeout", "1h30m"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, 90*time.Minute, c.RestoreTimeout) },
		},
		{
			name:   "restore timeout bounds are inclusive",
			config: base("restoreTimeout", "24h"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, 24*time.Hour, c.RestoreTimeout) },
		},

		{
			name:   "network of the existing plugin's locations is accepted",
			config: base("network", "internal"),
			want:   func(t *testing.T, c Config) { assert.Equal(t, "internal", c.Network) },
		},
		{
			name:   "no region: Init asks the metadata service",
			config: map[string]string{"zone": "cn-hangzhou-h", "network": "accelerate"},
			want: func(t *testing.T, c Config) {
				assert.Empty(t, c.Region)
				assert.Equal(t, "cn-hangzhou-h", c.Zone, "checked against the region Init finds")
			},
		},
		{
			name:   "no region: the regional endpoint names it",
			config: map[string]string{"endpoint": "ecs.cn-beijing.aliyuncs.com", "zone": "cn-beijing-h"},
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "cn-beijing", c.Region)
				assert.Equal(t, "the endpoint ecs.cn-beijing.aliyuncs.com", c.RegionFrom)
			},
		},
		{
			name:   "no region: the VPC endpoint names it",
			config: map[string]string{"endpoint": "https://ecs-vpc.ap-southeast-1.aliyuncs.com"},
			want:   func(t *testing.T, c Config) { assert.Equal(t, "ap-southeast-1", c.Region) },
		},
		{
			name:   "no region: the dashed endpoint names it",
			config: map[string]string{"endpoint": "ecs-cn-hangzhou.aliyuncs.com"},
			want:   func(t *testing.T, c Config) { assert.Equal(t, "cn-hangzhou", c.Region) },
		},
		{
			name:   "no region: the central endpoint names none",
			config: map[string]string{"endpoint": "ecs.aliyuncs.com"},
			want:   func(t *testing.T, c Config) { assert.Empty(t, c.Region) },
		},
		{
			name:   "no region: an emulator names none",
			config: map[string]string{"endpoint": "http://127.0.0.1:9401"},
			want:   func(t *testing.T, c Config) { assert.Empty(t, c.Region) },
		},
		{
			name:   "the region key wins over the endpoint",
			config: base("endpoint", "ecs-vpc.cn-beijing.aliyuncs.com"),
			want: func(t *testing.T, c Config) {
				assert.Equal(t, "cn-hangzhou", c.Region)
				assert.Empty(t, c.RegionFrom)
			},
		},

		{
			name:   "unknown key names it and every valid key",
			config: base("s3Url", "http://minio"),
			wantErr: []string{`unknown config key "s3Url"`, "valid keys are:", "credentialsFile", "defaultRetentionDays",
				"endpoint", "instantAccess", "kmsKeyId", "network", "notOnECS", "region", "restoreTimeout", "snapshotRetentionDays", "zone"},
		},
		{name: "bad network names the choices", config: base("network", "vpc"), wantErr: []string{`config key "network"`, `"vpc"`, "public, internal, accelerate"}},
		{name: "network in capitals", config: base("network", "Internal"), wantErr: []string{`config key "network"`}},
		{name: "no region and a zone that is no zone", config: map[string]string{"zone": "Hangzhou H"}, wantErr: []string{`config key "zone"`, `"Hangzhou H"`, "cn-hangzhou-h"}},
		{name: "endpoint region and a zone of another", config: map[string]string{"endpoint": "ecs.cn-beijing.aliyuncs.com", "zone": "cn-hangzhou-h"},
			wantErr: []string{`config key "zone"`, "region cn-beijing"}},
		{name: "bad region", config: base("region", "Hangzhou"), wantErr: []string{`config key "region"`, `"Hangzhou"`, "cn-hangzhou"}},
		{name: "zone of another region", config: base("zone", "cn-beijing-h"), wantErr: []string{`config key "zone"`, `"cn-beijing-h"`, "region cn-hangzhou", "starts with the region"}},
		{name: "zone equal to the region", config: base("zone", "cn-hangzhou"), wantErr: []string{`config key "zone"`}},
		{name: "zone glued to a region ending in a letter", config: base("zone", "cn-hangzhoux"), wantErr: []string{`config key "zone"`}},
		{name: "zone of a region with a longer number", config: map[string]string{"region": "ap-southeast-1", "zone": "ap-southeast-10a"}, wantErr: []string{`config key "zone"`}},
		{name: "zone not lowercase", config: base("zone", "cn-hangzhou-H"), wantErr: []string{`config key "zone"`}},
		{name: "endpoint with another scheme", config: base("endpoint", "ftp://ecs.example.com"), wantErr: []string{`config key "endpoint"`, `"ftp://ecs.example.com"`, "host[:port]"}},
		{name: "endpoint with a path", config: base("endpoint", "https://ecs.example.com/api"), wantErr: []string{`config key "endpoint"`}},
		{name: "endpoint with a query", config: base("endpoint", "https://ecs.example.com?x=1"), wantErr: []string{`config key "endpoint"`}},
		{name: "endpoint with user info", config: base("endpoint", "https://user:pass@ecs.example.com"), wantErr: []string{`config key "endpoint"`}},
		{name: "endpoint without a host", config: base("endpoint", "http://"), wantErr: []string{`config key "endpoint"`}},
		{name: "bad notOnECS", config: base("notOnECS", "yes"), wantErr: []string{`config key "notOnECS"`, `"yes"`, "true, false"}},
		{name: "bad instantAccess", config: base("instantAccess", "on"), wantErr: []string{`config key "instantAccess"`, `"on"`, "true, false"}},
		{name: "retention zero", config: base("snapshotRetentionDays", "0"), wantErr: []string{`config key "snapshotRetentionDays"`, `"0"`, "backup", "1 to 65536", "none"}},
		{name: "retention too long", config: base("snapshotRetentionDays", "65537"), wantErr: []string{`"snapshotRetentionDays"`, "1 to 65536"}},
		{name: "retention as a duration", config: base("snapshotRetentionDays", "30d"), wantErr: []string{`"snapshotRetentionDays"`, `"30d"`}},
		{name: "retention keyword in capitals", config: base("snapshotRetentionDays", "Backup"), wantErr: []string{`"snapshotRetentionDays"`}},
		{name: "default retention zero", config: base("defaultRetentionDays", "0"), wantErr: []string{`config key "defaultRetentionDays"`, `"0"`, "1 to 65536", "default 30"}},
		{name: "default retention none", config: base("defaultRetentionDays", "none"), wantErr: []string{`"defaultRetentionDays"`}},
		{name: "KMS key with a space", config: base("kmsKeyId", "my key"), wantErr: []string{`config key "kmsKeyId"`, `"my key"`, "alias/"}},
		{name: "KMS key too long", config: base("kmsKeyId", strings.Repeat("k", 257)), wantErr: []string{`config key "kmsKeyId"`, "(257 bytes)"}},
		{name: "restore timeout too short", config: base("restoreTimeout", "30s"), wantErr: []string{`config key "restoreTimeout"`, `"30s"`, "1m to 24h", "default 30m"}},
		{name: "restore timeout too long", config: base("restoreTimeout", "25h"), wantErr: []string{`"restoreTimeout"`, "1m to 24h"}},
		{name: "restore timeout without a unit", config: base("restoreTimeout", "30"), wantErr: []string{`"restoreTimeout"`, `"30"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(tt.config)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			tt.want(t, got)
		})
	}
}

func TestParseConfigBoundsErrors(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	t.Run("a long value is cut short", func(t *testing.T) {
		_, err := ParseConfig(map[string]string{"region": "cn-hangzhou", "endpoint": "ftp://" + long})
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 400)
		assert.Contains(t, err.Error(), "(10006 bytes)")
	})
	t.Run("many unknown keys are counted, not listed", func(t *testing.T) {
		m := map[string]string{"region": "cn-hangzhou"}
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", long} {
			m[k] = "v"
		}
		_, err := ParseConfig(m)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `unknown config key "a", "b", "c", "d", "e", and 3 more`)
		assert.Less(t, len(err.Error()), 400)
	})
	t.Run("a cut never splits a character", func(t *testing.T) {
		_, err := ParseConfig(map[string]string{"region": "cn-hangzhou", "kmsKeyId": strings.Repeat("密", 100)})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"`+strings.Repeat("密", 21)+`"...`)
	})
}
