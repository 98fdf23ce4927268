package bench

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// uploadSamples are the measurements of one quantity across a row's pairs.
type uploadSamples []float64

func (s uploadSamples) sorted() []float64 { c := slices.Clone(s); sort.Float64s(c); return c }
func (s uploadSamples) min() float64      { return s.sorted()[0] }
func (s uploadSamples) max() float64      { return s.sorted()[len(s)-1] }

func (s uploadSamples) median() float64 {
	c := s.sorted()
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func printUploadTable(results []uploadRowResult, dataDir string) {
	fmt.Printf("\nupload: plugin ObjectStore (through Velero's plugin client and gRPC) vs one streamed PutObject of the\n")
	fmt.Printf("same bytes with the same SDK (V4, CRC-64 on), same emulator (data in %s), same run;\n", dataDir)
	fmt.Printf("pairs alternate (A B, B A, ...); ratio = PUT time / plugin time per pair (speed ratio, >1: plugin faster)\n")
	fmt.Printf("  %-42s %5s %9s %9s %20s %6s %9s %6s\n", "", "pairs", "PUT MiB/s", "plugin", "ratio min/med/max", "goal", "peak RSS", "wall")
	for _, r := range results {
		mib := float64(r.row.size) / (1 << 20)
		met := "met"
		if r.ratios.median() < r.row.goal {
			met = "NOT met"
		}
		fmt.Printf("  %-42s %5d %9.1f %9.1f   %5.2f / %5.2f / %5.2f %5.2f %-7s %4.0f MiB %5.0fs\n",
			r.row.name, len(r.ratios), mib/r.put.median(), mib/r.plugin.median(),
			r.ratios.min(), r.ratios.median(), r.ratios.max(), r.row.goal, met,
			float64(r.peakRSS)/(1<<20), r.wall.Seconds())
	}
	fmt.Printf("  peak RSS is the plugin process's VmHWM during the row; its upload buffers are at most (%d+1) x %d MiB = %d MiB\n",
		oss.DefaultParallelism, oss.DefaultPartSize>>20, uploadBuffersMiB())
	fmt.Printf("where the CPU goes, in CPU seconds per GiB uploaded (all pairs of the row):\n")
	for _, r := range results {
		if r.row.size < 1<<30 {
			continue // the loopback rows; far away the link, not the CPU, sets the pace
		}
		gib := float64(r.row.size) * float64(len(r.ratios)) / (1 << 30)
		fmt.Printf("  %s\n", r.row.name)
		fmt.Printf("    one PUT: %s\n", uploadCPULine(r.putCPU, gib))
		fmt.Printf("    plugin:  %s\n", uploadCPULine(r.plCPU, gib))
	}
}

// uploadCPULine lists the plugin process's CPU, then this process's by label, largest first.
func uploadCPULine(u uploadCPU, gib float64) string {
	per := func(d time.Duration) float64 { return d.Seconds() / gib }
	var b strings.Builder
	fmt.Fprintf(&b, "%.2f = plugin process %.2f + bench process %.2f", per(u.plugin+u.self), per(u.plugin), per(u.self))
	if u.byLabel == nil {
		b.WriteString(" (no breakdown: -cpuprofile is on)")
		return b.String()
	}
	labels := slices.SortedFunc(maps.Keys(u.byLabel), func(x, y string) int { return int(u.byLabel[y] - u.byLabel[x]) })
	var parts []string
	for _, l := range labels {
		if v := per(u.byLabel[l]); v >= 0.005 {
			parts = append(parts, fmt.Sprintf("%s %.2f", l, v))
		}
	}
	fmt.Fprintf(&b, " [%s]", strings.Join(parts, ", "))
	return b.String()
}
