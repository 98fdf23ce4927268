package bslconfig

import (
	"net/url"
	"strings"
	"testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// FuzzParseConfig: any config and environment either parse into a usable location or fail with an error
// that names a config key or the environment variable; never a panic, never an endpoint (for data or for
// signed URLs) a client could not use, never a region that is no region ID.
func FuzzParseConfig(f *testing.F) {
	f.Add("region", "cn-hangzhou", "network", "internal", "endpoint", "")
	f.Add("region", "", "network", "public", "endpoint", "oss-cn-beijing.aliyuncs.com")
	f.Add("region", "cn-shanghai", "uploadPartSize", "16Mi", "signatureVersion", "v1")
	f.Add("region", "cn-hangzhou", "kmsKeyId", "abc", "serverSideEncryption", "KMS")
	f.Add("bogus", "x", "network", "vpc", "endpoint", "http://127.0.0.1:9400/")
	f.Add("zone", "cn-hangzhou-h", "network", "internal", "publicEndpoint", "http://localhost:9400")
	f.Add("notOnECS", "true", "region", "", "serverSideEncryption", "AES256")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		m := map[string]string{"bucket": "b-fuzz", k1: v1, k2: v2, k3: v3}
		env := Environment{
			Getenv:         func(string) string { return v3 },
			MetadataRegion: func() (string, error) { return v2, nil },
		}
		cfg, err := ParseConfig(m, env)
		if err != nil {
			if !strings.Contains(err.Error(), "config key") && !strings.Contains(err.Error(), EnvEncryptionKeyID) {
				t.Fatalf("error does not name a config key: %v", err)
			}
			return
		}
		for _, ep := range []string{cfg.Endpoint, cfg.SignEndpoint} {
			u, perr := url.Parse(ep)
			if perr != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
				t.Fatalf("accepted config gives unusable endpoint %q", ep)
			}
		}
		if !alibaba.ValidRegion(cfg.Region) || cfg.Bucket == "" {
			t.Fatalf("accepted config without region or bucket: %+v", cfg)
		}
		if cfg.SignatureVersion != 1 && cfg.SignatureVersion != 4 {
			t.Fatalf("signature version %d", cfg.SignatureVersion)
		}
	})
}
