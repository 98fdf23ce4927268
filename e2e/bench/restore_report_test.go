package bench

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// report prints the runs, their ratio and where the time went, and reports the benchmark's metrics.
func report(b *testing.B, runs []restoreRun, backedUp int) {
	var with, without []restoreRun
	for _, r := range runs {
		if r.target.withActions {
			with = append(with, r)
		} else {
			without = append(without, r)
		}
	}
	// The n-th restore of each plugin is of the n-th pair.
	var ratios []float64
	for i := range with {
		ratios = append(ratios, with[i].wall.Seconds()/without[i].wall.Seconds())
	}
	ratio := mean(ratios)
	withWall, withoutWall := meanOf(with, wallSeconds), meanOf(without, wallSeconds)
	ourCalls := meanOf(with, callCount) - meanOf(without, callCount)
	b.ReportMetric(ratio, "with/without")
	b.ReportMetric(withWall, "with-actions-s")
	b.ReportMetric(withoutWall, "without-actions-s")
	b.ReportMetric(ourCalls, "our-action-calls")

	fmt.Printf("\nrestore of a %d-item backup (%d objects made in cluster A, %d of kinds our actions apply to), "+
		"velero server + plugin on local control planes, %d CPUs\n", backedUp, itemsCreated(), actionItems(), cpus())
	fmt.Printf("  %-12s %-16s %7s %9s %7s %8s %13s %10s\n", "restore", "plugin", "wall s", "velero s", "items", "items/s",
		"action calls", "our lines")
	for _, r := range runs {
		fmt.Printf("  %-12s %-16s %7.1f %9.0f %7d %8.0f %13d %10d\n", r.name, r.target.plugin(), r.wall.Seconds(),
			r.own.Seconds(), r.items, float64(r.items)/r.wall.Seconds(), r.log.calls(), r.log.pluginLines)
	}
	sorted := slices.Sorted(slices.Values(ratios))
	fmt.Printf("  wall time with / without our actions: pairs %s; min / median / max %.3f / %.3f / %.3f, mean %.3f (goal <= 1.03)\n",
		formatRatios(ratios), sorted[0], medianOf(sorted), sorted[len(sorted)-1], ratio)
	fmt.Printf("  this machine: without our actions %.1f s (%.0f items/s), with them %.1f s (%.0f items/s), means\n",
		withoutWall, meanOf(without, itemsPerSecond), withWall, meanOf(with, itemsPerSecond))
	fmt.Print("  velero s: the restore's own start to completion, in whole seconds. action calls: of any restore item " +
		"action, Velero's included. our lines: what our plugin logged, our actions' notes\n")

	fmt.Printf("\n  where the time goes: CPU seconds during each restore, by process of the target cluster\n")
	fmt.Printf("    %-26s", "")
	for _, r := range runs {
		fmt.Printf(" %11s", r.name)
	}
	fmt.Printf(" %9s\n", "with-w/o")
	for _, l := range append(cpuLabels(runs), "all") {
		fmt.Printf("    %-26s", l)
		f := cpuOf(l)
		if l == "all" {
			f = cpuTotal
		}
		for _, r := range runs {
			fmt.Printf(" %11.1f", f(r))
		}
		fmt.Printf(" %+9.1f\n", added(with, without, f))
	}
	fmt.Printf("    (\"other cluster\" is the other target, paused, and its velero server; with-w/o is the difference of the means)\n")
	fmt.Printf("\n  our action calls per restore: %.0f (%s)\n", ourCalls, ourCallsByResource(with, without))
	if ourCalls > 0 {
		plugin, server := added(with, without, cpuOf(cpuOurPlugin)), added(with, without, cpuOf(cpuVeleroServer))
		fmt.Printf("  per call of our actions: %+.2f ms of wall time, %.2f ms of our plugin's CPU, %+.2f ms of velero server's CPU\n",
			(withWall-withoutWall)*1000/ourCalls, plugin*1000/ourCalls, server*1000/ourCalls)
		bound := loopBound(plugin+server, withoutWall)
		b.ReportMetric(bound, "cpu-bound")
		fmt.Printf("  were all that CPU on the path of Velero's item loop, which waits for every call: %+.1f s of %.1f s, "+
			"with / without %.3f\n", plugin+server, withoutWall, bound)
	}
}

// added is how much more of f a restore has with our actions than without them, on average.
func added(with, without []restoreRun, f func(restoreRun) float64) float64 {
	return meanOf(with, f) - meanOf(without, f)
}

// loopBound is the ratio a restore would have if every CPU second our actions add lengthened it: the
// cost seen from CPU time rather than wall time. Neither is free of the machine's speed, which changes
// from one restore to the next and makes every process of a slow restore use more CPU for the same work.
func loopBound(added, withoutWall float64) float64 {
	return (withoutWall + added) / withoutWall
}

func wallSeconds(r restoreRun) float64    { return r.wall.Seconds() }
func itemsPerSecond(r restoreRun) float64 { return float64(r.items) / r.wall.Seconds() }
func callCount(r restoreRun) float64      { return float64(r.log.calls()) }
func cpuOf(label string) func(restoreRun) float64 {
	return func(r restoreRun) float64 { return r.cpu[label] }
}

func cpuTotal(r restoreRun) float64 {
	sum := 0.0
	for _, v := range r.cpu {
		sum += v
	}
	return sum
}

// cpuLabels lists the components in a fixed order, then anything else that used CPU.
func cpuLabels(runs []restoreRun) []string {
	order := []string{"kube-apiserver", "etcd", "kube-controller-manager", cpuVeleroServer, cpuVeleroPlugins, cpuOurPlugin,
		cpuEmulator, cpuOtherCluster}
	seen := map[string]bool{}
	for _, l := range order {
		seen[l] = true
	}
	var extra []string
	for _, r := range runs {
		for l := range r.cpu {
			if !seen[l] {
				seen[l] = true
				extra = append(extra, l)
			}
		}
	}
	sort.Strings(extra)
	return append(order, extra...)
}

func ourCallsByResource(with, without []restoreRun) string {
	diff := map[string]float64{}
	for _, r := range with {
		for res, n := range r.log.actionCalls {
			diff[res] += float64(n) / float64(len(with))
		}
	}
	for _, r := range without {
		for res, n := range r.log.actionCalls {
			diff[res] -= float64(n) / float64(len(without))
		}
	}
	var parts []string
	for res, n := range diff {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f", res, n))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func meanOf(runs []restoreRun, f func(restoreRun) float64) float64 {
	vals := make([]float64, len(runs))
	for i, r := range runs {
		vals[i] = f(r)
	}
	return mean(vals)
}

func mean(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	return sum / float64(len(vals))
}

func formatRatios(ratios []float64) string {
	parts := make([]string, len(ratios))
	for i, r := range ratios {
		parts[i] = fmt.Sprintf("%.3f", r)
	}
	return strings.Join(parts, ", ")
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

// medianOf is the median of sorted values: of an even count, the mean of the middle two (two pairs of
// restores have no middle one).
func medianOf(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return sorted[n/2]
}
