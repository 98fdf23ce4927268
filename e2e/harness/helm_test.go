package harness

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigsyaml "sigs.k8s.io/yaml"
)

func TestChartDir(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    string
		wantErr string
	}{
		{name: "downloaded", out: `{"Path":"github.com/vmware-tanzu/helm-charts","Version":"v0.0.0-1","Dir":"/mod/helm-charts@v0.0.0-1"}`,
			want: "/mod/helm-charts@v0.0.0-1/charts/velero"},
		{name: "module error", out: `{"Path":"github.com/vmware-tanzu/helm-charts","Version":"v9","Error":"unknown revision v9"}`,
			wantErr: "unknown revision v9"},
		{name: "no directory", out: `{"Path":"github.com/vmware-tanzu/helm-charts","Version":"v0.0.0-1"}`,
			wantErr: "named no directory for github.com/vmware-tanzu/helm-charts@v0.0.0-1"},
		{name: "not JSON", out: "go: bad flag", wantErr: "read go mod download -json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chartDir([]byte(tt.out))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// The pinned module holds the chart the Helm example and its README are written for, with the values
// schema Helm validates them against. It downloads about 100 KB once into the module cache.
func TestVeleroChartIsThePinnedOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := FindLayout()
	require.NoError(t, err)
	dir, err := l.VeleroChart(ctx)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	require.NoError(t, err)
	var chart struct{ Name, Version, AppVersion string }
	require.NoError(t, sigsyaml.Unmarshal(data, &chart))
	assert.Equal(t, "velero", chart.Name)
	assert.Equal(t, "12.2.0", chart.Version)
	assert.FileExists(t, filepath.Join(dir, "values.schema.json"))
}

func TestBuildStepsBuildHelmFromItsComponentModule(t *testing.T) {
	l := Layout{Repo: "/repo"}
	bins := l.Binaries()
	var found bool
	for _, s := range l.buildSteps(&bins) {
		if s.module == "helm.sh/helm/v3" {
			found = true
			assert.Equal(t, "e2e/components/helm", s.dir)
			assert.Equal(t, "/repo/.cache/bin/helm", s.out)
			assert.Contains(t, s.ldflags("v3.18.6"), "helm.sh/helm/v3/internal/version.version=v3.18.6")
		}
	}
	assert.True(t, found, "no build step builds helm")
}
