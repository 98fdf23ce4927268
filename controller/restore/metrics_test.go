package restore

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

func TestMetricsAreSharedAndCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewPrometheusMetrics(reg)
	require.NoError(t, err)
	// The backup reconciler registers the same metrics: the second registration shares them.
	again, err := NewPrometheusMetrics(reg)
	require.NoError(t, err)

	m.Finished(v1alpha1.PhaseCompleted, 4096, 30*time.Second)
	again.Finished(v1alpha1.PhaseCompleted, 1024, time.Minute)
	m.Finished(v1alpha1.PhaseFailed, 0, 0)
	m.HBRError("CreateRestoreJob", fmt.Errorf("wrapped: %w", &cloud.Error{Service: "hbr", Kind: cloud.ErrThrottled, Code: "Throttling.User"}))
	m.HBRError("Ensure", errors.New("no answer"))

	assert.Equal(t, map[string]float64{
		`csdr_filesystem_bytes_total{kind="restore"}`:                                5120,
		`csdr_filesystem_job_duration_seconds{kind="restore"}`:                       2, // a failure before the start has no duration
		`csdr_filesystem_jobs_total{kind="restore",phase="Completed"}`:               2,
		`csdr_filesystem_jobs_total{kind="restore",phase="Failed"}`:                  1,
		`csdr_hbr_errors_total{code="",operation="Ensure"}`:                          1,
		`csdr_hbr_errors_total{code="Throttling.User",operation="CreateRestoreJob"}`: 1,
	}, gather(t, reg))
}

// gather reads every series of reg: counters by value, histograms by sample count.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			if h := m.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
