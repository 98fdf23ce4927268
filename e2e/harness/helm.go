package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The vmware-tanzu/velero chart the Helm install route is tested with: chart 12.2.0 (appVersion 1.18.2),
// whose values.schema.json Helm checks every values file against. The Go module proxy serves the
// helm-charts repository as a module, so `go mod download` fetches it (about 100 KB) into the module
// cache, verified by the checksum database, with no Helm repository to reach. A newer chart: take the
// pseudo-version of a later commit of the repository, and update examples/helm/README.md's --version.
const (
	helmChartsModule  = "github.com/vmware-tanzu/helm-charts"
	helmChartsVersion = "v0.0.0-20260916040517-6b2197350079"
)

// helmLDFlags stamps the helm binary with its module's version, as Helm's own Makefile does: without it
// `helm version` says v3.18.
func helmLDFlags(version string) string {
	return "-s -w -X helm.sh/helm/v3/internal/version.version=" + version
}

// VeleroChart downloads the pinned vmware-tanzu/velero chart into the module cache, if it is not there
// yet, and returns its directory (read-only, as everything in the module cache).
func (l Layout) VeleroChart(ctx context.Context) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the harness downloads the velero chart with the go command: %w", err)
	}
	module := helmChartsModule + "@" + helmChartsVersion
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", module)
	// Outside any module, so this checkout's go.mod and go.sum are neither read nor written.
	cmd.Dir = os.TempDir()
	cmd.Env = append(l.buildEnv(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		// go mod download reports a module's own failure (unknown version, checksum mismatch) in its
		// JSON and exits non-zero; anything else (no proxy, a bad flag) only on stderr.
		if _, jsonErr := chartDir(out); len(out) > 0 && jsonErr != nil {
			return "", fmt.Errorf("download %s: %w", module, jsonErr)
		}
		return "", fmt.Errorf("download %s: %w%s", module, err, stderrOf(err))
	}
	dir, err := chartDir(out)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", module, err)
	}
	return dir, nil
}

// chartDir reads `go mod download -json` output for the helm-charts module and returns the velero
// chart's directory inside it.
func chartDir(out []byte) (string, error) {
	var m struct {
		Path, Version, Dir, Error string
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("read go mod download -json: %w", err)
	}
	if m.Error != "" {
		return "", fmt.Errorf("%s", m.Error)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go mod download -json named no directory for %s@%s", m.Path, m.Version)
	}
	return filepath.Join(m.Dir, "charts", "velero"), nil
}
