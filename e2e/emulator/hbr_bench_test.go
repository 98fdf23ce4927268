package emulator_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/require"
)

// BenchmarkHBRBackup backs up a volume of 64 MiB in 1,000 files at unlimited throughput, then again
// after changing 1 % of the files, and reports the speed and the bytes the incremental backup wrote.
func BenchmarkHBRBackup(b *testing.B) {
	const files, size = 1000, 64 << 10
	for range b.N {
		b.StopTimer()
		w := newHBRWorld(b)
		for i := range files {
			require.NoError(b, os.WriteFile(filepath.Join(w.volume, "f"+strconv.Itoa(i)), uniqueBytes(size, i, 0), 0o644))
		}
		b.StartTimer()
		start := time.Now()
		job := w.waitBackup(b, w.backup(b, "full"))
		elapsed := time.Since(start)
		b.StopTimer()
		require.Equal(b, "COMPLETE", tea.StringValue(job.Status))
		b.ReportMetric(float64(files*size)/(1<<20)/elapsed.Seconds(), "MiB/s")
		for i := 0; i < files; i += 100 {
			require.NoError(b, os.WriteFile(filepath.Join(w.volume, "f"+strconv.Itoa(i)), uniqueBytes(size, i, 1), 0o644))
		}
		inc := w.waitBackup(b, w.backup(b, "incremental"))
		b.ReportMetric(float64(tea.Int64Value(inc.ActualBytes)), "incremental-bytes")
		b.StartTimer()
	}
}

// uniqueBytes is size pseudo-random bytes that differ for every (file, version): the store deduplicates
// equal contents, which would hide what a benchmark measures.
func uniqueBytes(size, file, version int) []byte {
	data := randomBytes(size, byte(file))
	copy(data, strconv.Itoa(file)+"/"+strconv.Itoa(version)+"/")
	return data
}
