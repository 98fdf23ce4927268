package vslconfig

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// maxConfigErrorLength bounds what a config error can put in a log, whatever the config holds.
const maxConfigErrorLength = 1024

// FuzzParseConfig: any config either parses into a location the snapshotter can use or fails with a
// short error that names a config key; it never panics.
func FuzzParseConfig(f *testing.F) {
	f.Add("region", "cn-hangzhou", "zone", "cn-hangzhou-h", "endpoint", "")
	f.Add("region", "ap-southeast-1", "zone", "ap-southeast-1a", "endpoint", "http://127.0.0.1:9401")
	f.Add("region", "cn-beijing", "snapshotRetentionDays", "none", "restoreTimeout", "2h")
	f.Add("region", "cn-beijing", "snapshotRetentionDays", "7", "defaultRetentionDays", "65536")
	f.Add("region", "cn-shanghai", "kmsKeyId", "alias/backup", "instantAccess", "false")
	f.Add("network", "internal", "zone", "cn-beijing-h", "endpoint", "ecs-vpc.cn-beijing.aliyuncs.com")
	f.Add("network", "vpc", "zone", "cn-beijing-h", "notOnECS", "true")
	f.Add("bogus", "x", "zone", "cn-beijing-h", "endpoint", "https://ecs.example.com/path")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		m := map[string]string{k1: v1, k2: v2, k3: v3}
		cfg, err := ParseConfig(m)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "config key") {
				t.Fatalf("error does not name a config key: %v", err)
			}
			if len(msg) > maxConfigErrorLength {
				t.Fatalf("error of %d bytes", len(msg))
			}
			return
		}
		// No region is left for Init to ask the metadata service about.
		if cfg.Region != "" && !alibaba.ValidRegion(cfg.Region) {
			t.Fatalf("accepted region %q", cfg.Region)
		}
		if cfg.Region == "" && m["region"] != "" {
			t.Fatalf("lost region %q", m["region"])
		}
		if cfg.Zone != "" && cfg.Region != "" && !alibaba.ZoneInRegion(cfg.Zone, cfg.Region) {
			t.Fatalf("accepted zone %q outside region %q", cfg.Zone, cfg.Region)
		}
		if cfg.Zone != "" && !alibaba.ValidRegion(cfg.Zone) {
			t.Fatalf("accepted zone %q", cfg.Zone)
		}
		if cfg.Network != "" && !slices.Contains(networks, cfg.Network) {
			t.Fatalf("accepted network %q", cfg.Network)
		}
		if cfg.Endpoint != "" && !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
			t.Fatalf("accepted endpoint %q", cfg.Endpoint)
		}
		if cfg.RetentionDays < 0 || cfg.RetentionDays > maxRetentionDays || (cfg.RetentionNone && cfg.RetentionDays != 0) {
			t.Fatalf("retention %d days, none=%v", cfg.RetentionDays, cfg.RetentionNone)
		}
		if cfg.DefaultRetentionDays < 1 || cfg.DefaultRetentionDays > maxRetentionDays {
			t.Fatalf("default retention %d days", cfg.DefaultRetentionDays)
		}
		if cfg.RestoreTimeout < time.Minute || cfg.RestoreTimeout > 24*time.Hour {
			t.Fatalf("restore timeout %s", cfg.RestoreTimeout)
		}
	})
}
