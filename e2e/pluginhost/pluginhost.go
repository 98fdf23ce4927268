// Package pluginhost runs our plugin binary the way `velero server` does: discovered in a plugin
// directory, started as a child process by Velero's plugin manager, and spoken to over go-plugin gRPC.
// Contract tests and benchmarks use it so they exercise the same path as production.
package pluginhost

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/clientmgmt"
	"github.com/vmware-tanzu/velero/pkg/plugin/clientmgmt/process"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// BinaryName is the plugin binary's file name, as `velero install --plugins` copies it.
const BinaryName = "velero-plugin-for-alibabacloud"

// ServeIfAskedByVelero must be called first in TestMain. Velero's registry also asks its own
// executable (the test binary here) for built-in plugins by running it with "run-plugins"; answering
// as an empty plugin server leaves our binary's plugins as the only ones.
func ServeIfAskedByVelero() {
	if len(os.Args) > 1 && os.Args[1] == "run-plugins" {
		framework.NewServer().Serve()
		os.Exit(0)
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Build compiles the plugin binary from this checkout into dir.
func Build(dir string) error {
	root, err := repoRoot()
	if err != nil {
		return fmt.Errorf("build plugin: %w", err)
	}
	cmd := exec.Command("go", "build", "-trimpath",
		"-o", filepath.Join(dir, BinaryName), "./plugins/cmd/"+BinaryName)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build plugin: %w: %s", err, out.String())
	}
	return nil
}

// PluginDir builds the plugin binary once per test process and returns the directory holding it.
func PluginDir(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "csdr-plugins-"); buildErr == nil {
			buildErr = Build(buildDir)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildDir
}

// Start runs Velero's plugin manager over a plugin directory, as `velero server --log-level debug`
// does: the plugin processes get --log-level=debug, and their logs reach log.
func Start(dir string, log *logrus.Logger) (clientmgmt.Manager, error) {
	// Velero forwards its own arguments after "velero server" to every plugin process.
	os.Args = []string{os.Args[0], "server", "--log-level=debug"}
	log.SetLevel(logrus.DebugLevel)
	registry := process.NewRegistry(dir, log, logrus.DebugLevel)
	if err := registry.DiscoverPlugins(); err != nil {
		return nil, fmt.Errorf("discover plugins in %s: %w", dir, err)
	}
	return clientmgmt.NewManager(log, logrus.DebugLevel, registry), nil
}

// NewManager is Start for tests: the plugin is built once, and its processes end with the test.
func NewManager(tb testing.TB, log *logrus.Logger) clientmgmt.Manager {
	tb.Helper()
	m, err := Start(PluginDir(tb), log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.CleanupClients)
	return m
}

// PluginPIDs returns the process IDs of running children of this process that run the plugin binary.
func PluginPIDs() []int {
	var pids []int
	for _, p := range procfs.List() {
		if p.PPID == os.Getpid() && !p.Zombie() && filepath.Base(procfs.Exe(p.PID)) == BinaryName {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

// repoRoot is the nearest directory above the working directory (a test's package) with this module's
// go.mod: tests run with -trimpath, so their source file names say nothing about where they are.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(mod, []byte("module github.com/csdr-io/velero-plugin-for-alibabacloud\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of github.com/csdr-io/velero-plugin-for-alibabacloud above the working directory")
		}
		dir = parent
	}
}
