// Package metrics holds csdr-controller's Prometheus metrics, registered once with controller-runtime's
// registry (served on --metrics-bind-address) and shared by the backup and restore reconcilers.
package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Kinds of records, the "kind" label.
const (
	KindBackup  = "backup"
	KindRestore = "restore"
)

var (
	// Jobs counts records that reached a terminal phase.
	Jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_filesystem_jobs_total",
		Help: "Filesystem backups and restores that ended, by kind and final phase."}, []string{"kind", "phase"})
	// Bytes counts the bytes HBR processed for records that ended.
	Bytes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_filesystem_bytes_total",
		Help: "Bytes HBR processed for filesystem backups and restores that ended, by kind."}, []string{"kind"})
	// Duration observes how long records took, from start to their terminal phase.
	Duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "csdr_filesystem_job_duration_seconds",
		Help:    "Time from a filesystem backup's or restore's start to its end, by kind.",
		Buckets: prometheus.ExponentialBuckets(5, 2, 12)}, []string{"kind"})
	// HBRErrors counts failed HBR calls by operation and HBR's error code.
	HBRErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "csdr_hbr_errors_total",
		Help: "Failed Cloud Backup (HBR) calls, by operation and HBR error code."}, []string{"operation", "code"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(Jobs, Bytes, Duration, HBRErrors)
}

// HBRError counts a failed HBR call; the code is HBR's, or "unknown" when no answer carried one.
func HBRError(operation string, err error) {
	if err == nil {
		return
	}
	code := "unknown"
	var ce *cloud.Error
	if errors.As(err, &ce) && ce.Code != "" {
		code = ce.Code
	}
	HBRErrors.WithLabelValues(operation, code).Inc()
}
