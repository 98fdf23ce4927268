package volumesnapshotter

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata/metadatatest"
)

// initWith runs Init on a snapshotter whose metadata service and environment are the given ones, and
// returns it with what it logged.
func initWith(t *testing.T, config map[string]string, metadataEndpoint string, env map[string]string) (*Snapshotter, *logtest.Hook, error) {
	t.Helper()
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	s := New(log, Dependencies{
		NewCredentials:   func(credentials.Options) (credentials.Source, error) { return staticCreds{}, nil },
		NewClient:        func(ecs.Config) (ecs.Client, error) { return newFakeECS(), nil },
		MetadataEndpoint: metadataEndpoint,
		Getenv:           func(k string) string { return env[k] },
	})
	return s, hook, s.Init(config)
}

func entries(hook *logtest.Hook, level logrus.Level) []string {
	var out []string
	for _, e := range hook.AllEntries() {
		if e.Level == level {
			out = append(out, e.Message)
		}
	}
	return out
}

func fieldOf(hook *logtest.Hook, level logrus.Level, key string) any {
	for _, e := range hook.AllEntries() {
		if e.Level == level {
			return e.Data[key]
		}
	}
	return nil
}

func TestInitDerivesAMissingRegion(t *testing.T) {
	t.Run("from the metadata service, with a warning", func(t *testing.T) {
		md := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-beijing"})
		s, hook, err := initWith(t, map[string]string{"zone": "cn-beijing-h"}, md.URL, nil)
		require.NoError(t, err)
		assert.Equal(t, "cn-beijing", s.cfg.Region)
		assert.Equal(t, "cn-beijing-h", s.cfg.Zone)
		warnings := entries(hook, logrus.WarnLevel)
		require.Len(t, warnings, 1)
		assert.Contains(t, warnings[0], "using cn-beijing")
		assert.Contains(t, warnings[0], "ECS metadata service")
		assert.Contains(t, warnings[0], "set region in the VolumeSnapshotLocation's config")
		assert.Equal(t, "cn-beijing", fieldOf(hook, logrus.WarnLevel, "region"))
	})
	t.Run("from the endpoint, without asking", func(t *testing.T) {
		md := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-hangzhou"})
		s, hook, err := initWith(t, map[string]string{"endpoint": "ecs-vpc.cn-shanghai.aliyuncs.com"}, md.URL, nil)
		require.NoError(t, err)
		assert.Equal(t, "cn-shanghai", s.cfg.Region, "the endpoint the location names, not the node's region")
		assert.Zero(t, md.RegionLookups())
		warnings := entries(hook, logrus.WarnLevel)
		require.Len(t, warnings, 1)
		assert.Contains(t, warnings[0], "using cn-shanghai, from the endpoint ecs-vpc.cn-shanghai.aliyuncs.com")
	})
	t.Run("a region in the config: no question, no warning", func(t *testing.T) {
		md := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-beijing"})
		s, hook, err := initWith(t, map[string]string{"region": "cn-hangzhou"}, md.URL, nil)
		require.NoError(t, err)
		assert.Equal(t, "cn-hangzhou", s.cfg.Region)
		assert.Zero(t, md.RegionLookups())
		assert.Empty(t, entries(hook, logrus.WarnLevel))
	})
}

func TestInitFailsWhenTheRegionCannotBeDerived(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	md := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-beijing"})
	tests := []struct {
		name     string
		config   map[string]string
		endpoint string
		env      map[string]string
		wantErr  []string
	}{
		{name: "notOnECS", config: map[string]string{"notOnECS": "true"}, endpoint: md.URL,
			wantErr: []string{`config key "region" is not set`, "notOnECS forbids asking the ECS metadata service", "set it to the region of the disks"}},
		{name: "metadata service disabled", config: map[string]string{}, endpoint: md.URL, env: map[string]string{"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "TRUE"},
			wantErr: []string{`config key "region" is not set`, "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true forbids", "set it to the region of the disks"}},
		{name: "not on ECS", config: map[string]string{}, endpoint: down.URL,
			wantErr: []string{`config key "region" is not set`, "the ECS metadata service could not tell this node's region (ecs metadata", "set it to the region of the disks"}},
		{name: "the node's region does not hold the zone", config: map[string]string{"zone": "cn-hangzhou-h"}, endpoint: md.URL,
			wantErr: []string{`config key "zone"`, `"cn-hangzhou-h" is not a zone of region cn-beijing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := md.RegionLookups()
			_, _, err := initWith(t, tt.config, tt.endpoint, tt.env)
			require.Error(t, err)
			for _, s := range tt.wantErr {
				assert.ErrorContains(t, err, s)
			}
			if tt.endpoint == md.URL && !strings.Contains(tt.name, "zone") {
				assert.Equal(t, before, md.RegionLookups(), "the metadata service was not asked")
			}
		})
	}
}

// network chooses OSS endpoints in the existing plugin, so its locations carry it on both kinds.
func TestInitAcceptsAndIgnoresNetwork(t *testing.T) {
	config := map[string]string{"region": "cn-hangzhou", "network": "internal"}
	s, hook, err := initWith(t, config, "", nil)
	require.NoError(t, err)
	infos := entries(hook, logrus.InfoLevel)
	require.Len(t, infos, 1, "said once per Init")
	assert.Contains(t, infos[0], "network is accepted for compatibility with the existing plugin and ignored")
	assert.Equal(t, "internal", fieldOf(hook, logrus.InfoLevel, "network"))

	hook.Reset()
	require.NoError(t, s.Init(config))
	assert.Len(t, entries(hook, logrus.InfoLevel), 1, "and again for the next Init")

	_, _, err = initWith(t, map[string]string{"region": "cn-hangzhou", "network": "intranet"}, "", nil)
	assert.ErrorContains(t, err, `config key "network": invalid value "intranet"; valid values are public, internal, accelerate`)
}
