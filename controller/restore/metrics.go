package restore

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Metrics counts what the reconciler does.
type Metrics interface {
	// Finished counts a record that reached phase, with the bytes HBR restored and how long it took.
	Finished(phase v1alpha1.Phase, bytes int64, took time.Duration)
	// HBRError counts a failed HBR call.
	HBRError(operation string, err error)
}

// kind is the "kind" label of the metrics this reconciler writes; the backup reconciler writes "backup".
const kind = "restore"

// PrometheusMetrics writes the metrics both reconcilers share.
type PrometheusMetrics struct {
	jobs     *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

var _ Metrics = (*PrometheusMetrics)(nil)

// NewPrometheusMetrics registers the metrics with reg (controller-runtime's metrics.Registry). The
// backup reconciler registers the same ones: a metric already registered is shared, not an error.
func NewPrometheusMetrics(reg prometheus.Registerer) (*PrometheusMetrics, error) {
	m := &PrometheusMetrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_filesystem_jobs_total",
			Help: "Filesystem backups and restores that ended, by kind and phase."}, []string{"kind", "phase"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_filesystem_bytes_total",
			Help: "Bytes HBR backed up or restored, by kind."}, []string{"kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "csdr_filesystem_job_duration_seconds",
			Help: "How long filesystem backups and restores took, by kind.", Buckets: prometheus.ExponentialBuckets(10, 2, 12)}, []string{"kind"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_hbr_errors_total",
			Help: "Failed HBR calls, by operation and HBR error code."}, []string{"operation", "code"}),
	}
	var err error
	m.jobs, err = register(reg, m.jobs)
	if err != nil {
		return nil, err
	}
	if m.bytes, err = register(reg, m.bytes); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.errors, err = register(reg, m.errors); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// Finished implements Metrics.
func (m *PrometheusMetrics) Finished(phase v1alpha1.Phase, bytes int64, took time.Duration) {
	m.jobs.WithLabelValues(kind, string(phase)).Inc()
	if bytes > 0 {
		m.bytes.WithLabelValues(kind).Add(float64(bytes))
	}
	if took > 0 {
		m.duration.WithLabelValues(kind).Observe(took.Seconds())
	}
}

// HBRError implements Metrics; the code is HBR's, or "" for a failure without an answer.
func (m *PrometheusMetrics) HBRError(operation string, err error) {
	code := ""
	var ce *cloud.Error
	if errors.As(err, &ce) {
		code = ce.Code
	}
	m.errors.WithLabelValues(operation, code).Inc()
}

// noMetrics counts nothing.
type noMetrics struct{}

func (noMetrics) Finished(v1alpha1.Phase, int64, time.Duration) {}
func (noMetrics) HBRError(string, error)                        {}

func (r *Reconciler) metrics() Metrics {
	if r.Metrics == nil {
		return noMetrics{}
	}
	return r.Metrics
}
