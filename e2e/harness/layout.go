// Package harness runs real Kubernetes control planes (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) with fake nodes whose kubelets kwok plays, `velero server` with our plugin, and the
// Alibaba Cloud emulator as local processes on 127.0.0.1. It builds every component from the Go module
// proxy into the repository's gitignored .cache, and it can run several clusters at once against one
// emulated cloud, because migrating between clusters is the product's main job. `make demo` and the e2e
// tests are both built on it.
package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

const module = "github.com/csdr-io/velero-plugin-for-alibabacloud"

// Layout is where the harness keeps what it builds and runs.
type Layout struct {
	// Repo is the root of this checkout.
	Repo string
}

// FindLayout finds the checkout that holds the working directory.
func FindLayout() (Layout, error) {
	dir, err := os.Getwd()
	if err != nil {
		return Layout{}, err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(mod), []byte("module "+module+"\n")) {
			return Layout{Repo: dir}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return Layout{}, fmt.Errorf("no checkout of %s above the working directory", module)
		}
		dir = parent
	}
}

// Cache is the gitignored directory for builds and runs.
func (l Layout) Cache() string { return filepath.Join(l.Repo, ".cache") }

// BinDir holds the component binaries.
func (l Layout) BinDir() string { return filepath.Join(l.Cache(), "bin") }

// PluginDir is `velero server --plugin-dir`: every executable in it is started as a plugin, so it
// holds our plugin binary and nothing else.
func (l Layout) PluginDir() string { return filepath.Join(l.Cache(), "plugins") }

// NoActionsPluginDir is a plugin directory for the plugin built with the csdr_noactions tag (no item
// actions): a cluster whose Velero loads it is the baseline the restore benchmark compares against.
func (l Layout) NoActionsPluginDir() string { return filepath.Join(l.Cache(), "plugins-noactions") }

// RunDir holds the state and logs of harness sessions.
func (l Layout) RunDir() string { return filepath.Join(l.Cache(), "run") }

// Binaries are the programs a session runs.
type Binaries struct {
	Etcd, KubeAPIServer, KubeControllerManager, KubeScheduler, Kubectl, Kwok, Velero, Emulator string
	// Helm renders the vmware-tanzu/velero chart (VeleroChart) in the install tests.
	Helm string
	// Controller is csdr-controller, which the harness runs as a local process (Cluster.StartController).
	Controller string
	PluginDir  string
	// Versions of the components, as their pinning go.mod files say.
	KubernetesVersion, VeleroVersion string
}

// Binaries returns where Build puts each program.
func (l Layout) Binaries() Binaries {
	bin := func(name string) string { return filepath.Join(l.BinDir(), name) }
	return Binaries{
		Etcd: bin("etcd"), KubeAPIServer: bin("kube-apiserver"), KubeControllerManager: bin("kube-controller-manager"),
		KubeScheduler: bin("kube-scheduler"), Kubectl: bin("kubectl"), Kwok: bin("kwok"), Velero: bin("velero"),
		Emulator: bin("alibabacloud-emulator"), Controller: bin("csdr-controller"), Helm: bin("helm"),
		PluginDir: l.PluginDir(),
	}
}
