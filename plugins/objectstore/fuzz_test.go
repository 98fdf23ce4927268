package objectstore

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseConfig: any config either parses into a usable location or fails with an error that names
// a config key; it never panics and never yields an endpoint a client could not use.
func FuzzParseConfig(f *testing.F) {
	f.Add("region", "cn-hangzhou", "network", "internal", "endpoint", "")
	f.Add("region", "", "network", "public", "endpoint", "oss-cn-beijing.aliyuncs.com")
	f.Add("region", "cn-shanghai", "uploadPartSize", "16Mi", "signatureVersion", "v1")
	f.Add("region", "cn-hangzhou", "kmsKeyId", "abc", "serverSideEncryption", "KMS")
	f.Add("bogus", "x", "network", "vpc", "endpoint", "http://127.0.0.1:9400/")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		m := map[string]string{"bucket": "b-fuzz", k1: v1, k2: v2, k3: v3}
		cfg, err := ParseConfig(m)
		if err != nil {
			if !strings.Contains(err.Error(), "config key") {
				t.Fatalf("error does not name a config key: %v", err)
			}
			return
		}
		u, perr := url.Parse(cfg.Endpoint)
		if perr != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			t.Fatalf("accepted config gives unusable endpoint %q", cfg.Endpoint)
		}
		if cfg.Region == "" || cfg.Bucket == "" {
			t.Fatalf("accepted config without region or bucket: %+v", cfg)
		}
		if cfg.SignatureVersion != 1 && cfg.SignatureVersion != 4 {
			t.Fatalf("signature version %d", cfg.SignatureVersion)
		}
	})
}
