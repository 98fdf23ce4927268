// Package bench measures the plugin and csdr-controller against what a user would otherwise do. The
// upload benchmark drives the plugin through Velero's plugin client, as in production, against one
// streamed PutObject of the same bytes with the same SDK, alternating the two on the same emulator.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

const (
	bucket   = "cnfs-oss-bench"
	ak, sk   = "ak-bench", "sk-bench"
	wanDelay = 40 * time.Millisecond
	wanRate  = 50_000_000 / 8 // 50 Mbit/s
)

// staticCreds hands out one fixed key, for the benchmarks' in-process clients.
type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

func mbps(size int64, d time.Duration) float64 { return float64(size) / d.Seconds() / (1 << 20) }

func TestMain(m *testing.M) {
	spinIfHog()
	pluginhost.ServeIfAskedByVelero()
	os.Exit(m.Run())
}

// uploadRow is one line of the upload table: pairs uploads of size bytes by each side, in alternating
// order, under the row's conditions.
type uploadRow struct {
	name  string
	size  int64
	pairs int
	goal  float64
	setup func(b *testing.B, s *uploadServer) (undo func())
}

// The rows' sizes keep the whole benchmark near five minutes on a 2-core machine: on loopback a
// 1 GiB pair takes seconds; far away one streamed PUT runs at 6 MiB/s, so 128 MiB (21 s) and 64 MiB
// (11 s) already hold 16 and 8 parts of 8 MiB, enough to show what parallel parts gain and cost,
// and the plugin's memory does not grow with the object (row a shows it at 1 GiB).
func uploadRows() []uploadRow {
	noShaping := func(*testing.B, *uploadServer) func() { return func() {} }
	return []uploadRow{
		{name: "a. loopback, 1 GiB", size: 1 << 30, pairs: 3, goal: 1.0, setup: noShaping},
		{name: "b. loopback, 1 GiB, one core busy", size: 1 << 30, pairs: 3, goal: 1.0,
			setup: func(b *testing.B, _ *uploadServer) func() { return startUploadHog(b) }},
		{name: "c. 40 ms + 50 Mbit/s per conn, 128 MiB", size: 128 << 20, pairs: 3, goal: 6.0,
			setup: func(_ *testing.B, s *uploadServer) func() {
				s.em.Faults().SetNetwork(wanDelay, wanRate)
				return func() { s.em.Faults().SetNetwork(0, 0) }
			}},
		{name: "d. 40 ms + one shared 50 Mbit/s, 64 MiB", size: 64 << 20, pairs: 3, goal: 0.95,
			setup: func(_ *testing.B, s *uploadServer) func() {
				s.setSharedUplink(wanDelay, wanRate)
				return func() { s.setSharedUplink(0, 0) }
			}},
	}
}

// uploadRowsEnv, when set, picks rows by letter (e.g. "ac"), to measure one change quickly.
const uploadRowsEnv = "BENCH_UPLOAD_ROWS"

// BenchmarkUpload prints, from one run, the four upload rows of issue 15: each side's speed, the speed
// ratio of every pair (min/median/max), the plugin process's peak memory, and where the CPU goes.
func BenchmarkUpload(b *testing.B) {
	for range b.N {
		s := newUploadServer(b)
		credsFile := filepath.Join(b.TempDir(), "cloud")
		require.NoError(b, os.WriteFile(credsFile, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID="+ak+"\nALIBABA_CLOUD_ACCESS_KEY_SECRET="+sk+"\n"), 0o600))
		store := newStore(b, s.URL, credsFile)
		pid := pluginPID(b)
		var results []uploadRowResult
		for _, row := range uploadRows() {
			if only := os.Getenv(uploadRowsEnv); only != "" && !strings.Contains(only, row.name[:1]) {
				continue
			}
			undo := row.setup(b, s)
			results = append(results, runUploadRow(b, s, store, pid, row))
			undo()
		}
		printUploadTable(results, s.DataDir)
		for _, r := range results {
			b.ReportMetric(r.ratios.median(), "row-"+r.row.name[:1]+"-ratio")
			b.ReportMetric(float64(r.peakRSS)/(1<<20), "row-"+r.row.name[:1]+"-plugin-peak-MiB")
		}
	}
}

// uploadRowResult is what one row measured.
type uploadRowResult struct {
	row           uploadRow
	put, plugin   uploadSamples // seconds per upload
	ratios        uploadSamples // put time / plugin time, per pair
	peakRSS       int64
	putCPU, plCPU uploadCPU
	wall          time.Duration
}

func runUploadRow(b *testing.B, s *uploadServer, store putter, pid int, row uploadRow) uploadRowResult {
	res := uploadRowResult{row: row}
	start := time.Now()
	require.NoError(b, procfs.ResetPeakRSS(pid))
	sdk := newBaselineSDK(s.URL)
	var wantCRC uint64
	check := func(key string) {
		info, err := s.em.OSS().ObjectInfo(bucket, key)
		require.NoError(b, err)
		require.Equal(b, row.size, info.Size, key)
		if wantCRC == 0 {
			wantCRC = info.CRC64
		}
		require.Equal(b, wantCRC, info.CRC64, "%s: both sides upload the same bytes", key)
		err = sdk.Delete(context.Background(), bucket, key)
		require.NoError(b, err)
	}
	for i := range row.pairs {
		var putT, plT time.Duration
		putSide := func() {
			key := fmt.Sprintf("%s/%d/put", row.name[:1], i)
			m := startUploadCPU(pid)
			t0 := time.Now()
			require.NoError(b, streamedPut(s.URL, key, row.size))
			putT = time.Since(t0)
			res.putCPU.add(m.stop())
			check(key)
		}
		pluginSide := func() {
			key := fmt.Sprintf("%s/%d/plugin", row.name[:1], i)
			m := startUploadCPU(pid)
			t0 := time.Now()
			require.NoError(b, pluginPut(store, key, row.size))
			plT = time.Since(t0)
			res.plCPU.add(m.stop())
			check(key)
		}
		if i%2 == 0 {
			putSide()
			pluginSide()
		} else {
			pluginSide()
			putSide()
		}
		res.put = append(res.put, putT.Seconds())
		res.plugin = append(res.plugin, plT.Seconds())
		res.ratios = append(res.ratios, putT.Seconds()/plT.Seconds())
	}
	peak, err := procfs.PeakRSS(pid)
	require.NoError(b, err)
	res.peakRSS, res.wall = peak, time.Since(start)
	return res
}

// uploadBuffersMiB is the plugin's bound on upload buffers with the defaults, for the table's footnote.
func uploadBuffersMiB() int64 {
	return int64(oss.DefaultParallelism+1) * oss.DefaultPartSize >> 20
}
